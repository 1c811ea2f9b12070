package io.personaknob.build;

import java.nio.file.Path;
import java.util.List;

/**
 * The options of {@code knob build plan|synthesize|verify|run}. Plan options (n, seed, sampler, masks,
 * seed scenes, topics, generators, verifiers) are needed when the build directory holds no plan yet; later
 * commands read them from {@code build.json} and refuse values that contradict it.
 */
public final class BuildOptions {
  public Path dir;
  public Path config;
  public Path store;
  public Integer n;
  public Long seed;
  public String sampler = "quota";
  public List<String> masks;
  public List<String> dims;
  public boolean allowSingleMasks;
  public Path seedScenes;
  public String textColumn = "text";
  public List<String> topics;
  public List<String> generators;
  public List<String> verifiers;
  public List<String> judges;
  public String orderDims = "all";
  public int maxRepairs = 2;
  public boolean allowSelfVerify;
  public Path prompts;
  public int concurrency = 16;
  public boolean dryRun;
  /** Retry failed rows with new calls (a new sample index) instead of the cached replies. */
  public boolean resampleFailed;
}
