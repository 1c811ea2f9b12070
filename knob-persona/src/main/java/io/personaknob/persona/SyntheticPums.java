package io.personaknob.persona;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Writes a synthetic population in the ACS PUMS CSV layout (person and housing files, the codes of the
 * bundled dictionary excerpt), for tests, demos and the sampling benchmark; the repository cannot ship
 * real PUMS files. Records respect the PUMS universes (no employment status under 16, fertility only for
 * females 15–50, English ability only with another language at home, ...). Person weights depend on sex
 * and household language (men 10–19, women 30–39; +20 in Spanish-speaking households), so weighted and
 * unweighted marginals differ clearly: about 68 % of the weighted population is female against 50 % of the
 * records.
 */
public final class SyntheticPums {
  private SyntheticPums() {}

  public static final String PERSON_HEADER =
      "RT,SERIALNO,DIVISION,SPORDER,PUMA,REGION,ST,ADJINC,PWGTP,AGEP,CIT,COW,DEAR,DEYE,DREM,ENG,FER,HICOV,LANX,MAR,MIL,"
          + "SCHL,SEX,ANC1P,DIS,ESR,NAICSP,POBP,RAC1P,SOCP,PINCP";
  public static final String HOUSING_HEADER = "RT,SERIALNO,DIVISION,PUMA,REGION,ST,ADJINC,WGTP,NP,HHL,HHT2,FPARC";

  /** The bundled data-dictionary excerpt (real CSV layout, the codes this generator uses). */
  public static void writeDictionary(Path out) throws IOException {
    try (InputStream in = SyntheticPums.class.getResourceAsStream("pums-dictionary-excerpt.csv")) {
      Files.copy(in, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static final String[] STATES = {"06", "36", "48"};
  private static final String[] ANC = {"022", "032", "050", "051", "142", "210", "706", "902", "939", "999"};
  private static final String[] POB = {"001", "006", "036", "048", "110", "207", "303"};
  private static final String[] NAICS = {"111", "23", "3361MV", "4451", "5415", "6111", "622", "722Z", "9211MP", "928110P1"};
  private static final String[] SOC = {"112021", "151252", "252020", "291141", "353031", "412031", "452092", "472061", "533030", "551010"};

  /** Writes {@code persons} person records (households of 1–4) and, if {@code housing} is not null, their housing records. */
  public static long write(Path persons, Path housing, long personCount, long seed) throws IOException {
    SplittableRandom r = new SplittableRandom(seed);
    long written = 0, hh = 0;
    try (BufferedWriter p = Files.newBufferedWriter(persons, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.TRUNCATE_EXISTING, java.nio.file.StandardOpenOption.WRITE);
         BufferedWriter h = housing == null ? null : Files.newBufferedWriter(housing, StandardCharsets.UTF_8)) {
      p.write(PERSON_HEADER);
      p.write('\n');
      if (h != null) {
        h.write(HOUSING_HEADER);
        h.write('\n');
      }
      StringBuilder sb = new StringBuilder(256);
      while (written < personCount) {
        hh++;
        String serial = String.format("2022HU%07d", hh % 10_000_000);
        if (hh >= 10_000_000) serial = "2022HU" + hh;
        int np = (int) Math.min(1 + r.nextInt(4), personCount - written);
        String st = STATES[r.nextInt(STATES.length)];
        int hhl = pick(r, new double[] {0.70, 0.18, 0.06, 0.04, 0.02}) + 1;
        boolean kids = np > 2 && r.nextBoolean();
        int hht2 = np == 1 ? (r.nextBoolean() ? 5 : 9) : kids ? 1 : 2;
        int fparc = np == 1 ? 0 : kids ? 1 + r.nextInt(3) : 4;
        if (h != null) {
          sb.setLength(0);
          sb.append("H,").append(serial).append(",9,00101,4,").append(st).append(",1042311,").append(20 + r.nextInt(80))
              .append(',').append(np).append(',').append(hhl).append(',').append(String.format("%02d", hht2)).append(',')
              .append(fparc == 0 ? "" : Integer.toString(fparc)).append('\n');
          h.write(sb.toString());
        }
        for (int sp = 1; sp <= np; sp++) {
          int age = sp <= 2 ? 18 + r.nextInt(72) : r.nextInt(18);
          boolean female = r.nextBoolean();
          int weight = (female ? 30 : 10) + r.nextInt(10) + (hhl == 2 ? 20 : 0);
          boolean other = hhl != 1 && age >= 5 && r.nextInt(10) < 8;
          sb.setLength(0);
          sb.append("P,").append(serial).append(",9,").append(sp).append(",00101,4,").append(st).append(",1042311,")
              .append(weight).append(',').append(age).append(',');
          sb.append(1 + pick(r, new double[] {0.8, 0.01, 0.03, 0.08, 0.08})).append(','); // CIT
          boolean adult16 = age >= 16;
          int esr = adult16 ? pick(r, new double[] {0.55, 0.03, 0.04, 0.005, 0.005, 0.37}) + 1 : 0;
          boolean worked = adult16 && esr != 6 || adult16 && r.nextInt(3) == 0;
          sb.append(worked ? Integer.toString(1 + r.nextInt(esr == 3 ? 9 : 8)) : "").append(','); // COW
          sb.append(r.nextInt(20) == 0 ? 1 : 2).append(',').append(r.nextInt(25) == 0 ? 1 : 2).append(','); // DEAR DEYE
          sb.append(age >= 5 ? (r.nextInt(20) == 0 ? "1" : "2") : "").append(','); // DREM
          sb.append(other ? Integer.toString(1 + pick(r, new double[] {0.6, 0.2, 0.15, 0.05})) : "").append(','); // ENG
          sb.append(female && age >= 15 && age <= 50 ? (r.nextInt(15) == 0 ? "1" : "2") : "").append(','); // FER
          sb.append(r.nextInt(12) == 0 ? 2 : 1).append(','); // HICOV
          sb.append(age >= 5 ? (other ? "1" : "2") : "").append(','); // LANX
          sb.append(age < 15 ? 5 : 1 + pick(r, new double[] {0.48, 0.06, 0.11, 0.02, 0.33})).append(','); // MAR
          sb.append(age >= 17 ? Integer.toString(1 + pick(r, new double[] {0.005, 0.07, 0.01, 0.915})) : "").append(','); // MIL
          sb.append(age < 3 ? "" : String.format("%02d", schl(r, age))).append(',');
          sb.append(female ? 2 : 1).append(',');
          sb.append(ANC[r.nextInt(ANC.length)]).append(',');
          sb.append(r.nextInt(8) == 0 ? 1 : 2).append(',');
          sb.append(adult16 ? Integer.toString(esr) : "").append(',');
          sb.append(worked ? NAICS[r.nextInt(NAICS.length)] : "").append(',');
          sb.append(POB[r.nextInt(POB.length)]).append(',');
          sb.append(1 + pick(r, new double[] {0.6, 0.12, 0.01, 0.002, 0.003, 0.06, 0.002, 0.08, 0.123})).append(',');
          sb.append(worked ? SOC[r.nextInt(SOC.length)] : "").append(',');
          sb.append(age >= 15 ? Integer.toString(r.nextInt(10) == 0 ? 0 : 1000 * (1 + r.nextInt(150))) : "").append('\n');
          p.write(sb.toString());
          written++;
        }
      }
    }
    return written;
  }

  private static int schl(SplittableRandom r, int age) {
    if (age < 5) return 2;
    if (age < 6) return 3;
    if (age < 18) return Math.min(15, age - 2); // grade by age
    int[] adult = {16, 17, 18, 19, 20, 21, 22, 23, 24, 14};
    int s = adult[pick(r, new double[] {0.27, 0.04, 0.07, 0.13, 0.09, 0.2, 0.09, 0.02, 0.015, 0.065})];
    if (age < 19 && s >= 21) s = 16;
    return s;
  }

  private static int pick(SplittableRandom r, double[] p) {
    double u = r.nextDouble() * sum(p);
    for (int i = 0; i < p.length; i++) {
      u -= p[i];
      if (u < 0) return i;
    }
    return p.length - 1;
  }

  private static double sum(double[] p) {
    double s = 0;
    for (double x : p) s += x;
    return s;
  }
}
