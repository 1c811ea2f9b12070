package io.personaknob.lm.structured;

/** A JSON schema that cannot constrain decoding: an unsupported keyword, or nothing it allows. */
public final class SchemaException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SchemaException(String message) {
    super(message);
  }
}
