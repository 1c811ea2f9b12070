package io.personaknob.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a resume changes, as the Hugging Face Trainer sees it (docs/lag-dpo.md §7): the settings of
 * {@link TrainConfig#RESUME_FREE} may change and are reported, every other changed setting is refused with
 * the reason of {@link TrainConfig#RESUME_FIXED}.
 *
 * @param refused "KEY BEFORE -> AFTER (why)" for each setting that may not change
 * @param changed KEY -> [before, after] for each setting that may change and did
 */
record ResumeCheck(List<String> refused, Map<String, Object> changed) {

  /** Compares the settings saved in a checkpoint with the settings of the resuming run. */
  static ResumeCheck compare(Map<String, Object> before, Map<String, Object> now) {
    List<String> refused = new ArrayList<>();
    Map<String, Object> changed = new TreeMap<>();
    Set<String> keys = new HashSet<>(before.keySet());
    keys.addAll(now.keySet());
    for (String k : new TreeSet<>(keys)) {
      Object a = before.get(k), b = now.get(k);
      if (Objects.equals(String.valueOf(a), String.valueOf(b))) continue;
      if (TrainConfig.RESUME_FREE.contains(k)) {
        // older checkpoints lack some keys; where the output goes is no setting of the training
        if (before.containsKey(k) && !k.equals("out")) changed.put(k, Arrays.asList(a, b));
      } else {
        refused.add(k + " " + a + " -> " + b + " (" + TrainConfig.RESUME_FIXED.getOrDefault(k, "the saved state depends on it") + ")");
      }
    }
    return new ResumeCheck(refused, changed);
  }

  /** "lr 0.001 -> 1.0E-4; steps 4 -> 6". */
  String changes() {
    List<String> parts = new ArrayList<>();
    changed.forEach((k, v) -> parts.add(k + " " + ((List<?>) v).get(0) + " -> " + ((List<?>) v).get(1)));
    return String.join("; ", parts);
  }
}
