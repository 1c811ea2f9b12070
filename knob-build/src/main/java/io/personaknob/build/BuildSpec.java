package io.personaknob.build;

import java.util.List;
import java.util.Map;

/**
 * What a build was planned with; saved as {@code DIR/build.json} by {@code knob build plan} and read by every
 * later stage, so a re-run resumes the same build.
 *
 * @param name short id of the build; row ids are {@code NAME-00001}, ...
 * @param n planned rows
 * @param seed seed of the mask plan, seed-scene order, generator draw, judge A/B order and release split
 * @param sampler {@code quota} (exact counts per mask, then a seeded shuffle) or {@code uniform} (seeded draws)
 * @param masks the masks the plan draws from (canonical strings)
 * @param seedScenes the seed-scene file (null when scenes were drawn by an LLM from topics)
 * @param seedScenesSha256 its SHA-256
 * @param textColumn the text column of the seed-scene file
 * @param topics topics the seed scenes were drawn from (empty when a file was given)
 * @param generators the generator pool (model names in knob.yaml), drawn per row
 * @param verifiers verifier models; a row gets the first that differs from its generator
 * @param judges judge models of the partial-order check
 * @param orderDims {@code all}: reject_k must not beat golden on any of the four dimensions; {@code mask}: only on active ones
 * @param maxRepairs repair turns for an unusable structured reply
 * @param allowSelfVerify whether a row may be verified by its own generator when no other verifier is given
 */
public record BuildSpec(
    String name,
    int n,
    long seed,
    String sampler,
    List<String> masks,
    String seedScenes,
    String seedScenesSha256,
    String textColumn,
    List<String> topics,
    List<String> generators,
    List<String> verifiers,
    List<String> judges,
    String orderDims,
    int maxRepairs,
    boolean allowSelfVerify,
    Map<String, String> promptVersions) {

  public BuildSpec {
    masks = List.copyOf(masks);
    topics = topics == null ? List.of() : List.copyOf(topics);
    generators = List.copyOf(generators);
    verifiers = List.copyOf(verifiers);
    judges = judges == null ? List.of() : List.copyOf(judges);
    promptVersions = promptVersions == null ? Map.of() : Map.copyOf(promptVersions);
  }

  public BuildSpec withJudges(List<String> j) {
    return new BuildSpec(name, n, seed, sampler, masks, seedScenes, seedScenesSha256, textColumn, topics, generators,
        verifiers, j, orderDims, maxRepairs, allowSelfVerify, promptVersions);
  }

  /** Every model the build calls. */
  public List<String> models() {
    java.util.LinkedHashSet<String> s = new java.util.LinkedHashSet<>(generators);
    s.addAll(verifiers);
    s.addAll(judges);
    return List.copyOf(s);
  }
}
