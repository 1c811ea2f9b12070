package io.personaknob.persona;

import io.personaknob.llm.KnobConfig;
import java.nio.file.Path;

/** knob.yaml for the scripted server: a tested model and two critics. */
public final class TestLlm {
  private TestLlm() {}

  public static String yaml(String url) {
    return """
        providers:
          p:
            base_url: %s
            max_retries: 1
            timeout_seconds: 5
            backoff_base_ms: 5
            backoff_max_ms: 20
        models:
          tested:
            provider: p
            model: tiny-tested
            input_price_per_mtok: 1.0
            output_price_per_mtok: 2.0
          critic-a:
            provider: p
            model: tiny-a
          critic-b:
            provider: p
            model: tiny-b
        """.formatted(url);
  }

  public static KnobConfig config(String url) {
    return KnobConfig.parse(yaml(url), Path.of("knob.yaml"));
  }
}
