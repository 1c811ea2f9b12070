package io.personaknob.irt;

import io.personaknob.core.Provenance;
import java.util.List;

/**
 * A fitted many-facet Rasch model: convergence, per-facet element results, thresholds, subsets, bias terms,
 * warnings and provenance. {@link #model()} keeps the fitted parameters for residuals and bias analysis.
 */
public final class RaschFit {
  private final boolean converged;
  private final int iterations;
  private final double maxScoreResidual;
  private final double maxLogitChange;
  private final List<FacetResult> facets;
  private final List<ThresholdStat> thresholds;
  private final List<ThresholdStat> bottomCategories;
  private final List<ComparisonStat> comparisons;
  private final List<Subset> subsets;
  private final List<BiasTerm> bias;
  private final String biasFacetA;
  private final String biasFacetB;
  private final List<String> warnings;
  private final Provenance provenance;
  private final FittedModel model;

  RaschFit(boolean converged, int iterations, double maxScoreResidual, double maxLogitChange,
      List<FacetResult> facets, List<ThresholdStat> thresholds, List<ThresholdStat> bottomCategories, List<ComparisonStat> comparisons,
      List<Subset> subsets, List<BiasTerm> bias,
      String biasFacetA, String biasFacetB, List<String> warnings, Provenance provenance, FittedModel model) {
    this.converged = converged;
    this.iterations = iterations;
    this.maxScoreResidual = maxScoreResidual;
    this.maxLogitChange = maxLogitChange;
    this.facets = List.copyOf(facets);
    this.thresholds = List.copyOf(thresholds);
    this.bottomCategories = List.copyOf(bottomCategories);
    this.comparisons = List.copyOf(comparisons);
    this.subsets = List.copyOf(subsets);
    this.bias = List.copyOf(bias);
    this.biasFacetA = biasFacetA;
    this.biasFacetB = biasFacetB;
    this.warnings = List.copyOf(warnings);
    this.provenance = provenance;
    this.model = model;
  }

  public boolean converged() { return converged; }
  public int iterations() { return iterations; }
  /** The largest absolute score residual at the last iteration (score points). */
  public double maxScoreResidual() { return maxScoreResidual; }
  /** The largest absolute change at the last iteration (logits). */
  public double maxLogitChange() { return maxLogitChange; }
  public List<FacetResult> facets() { return facets; }
  public List<ThresholdStat> thresholds() { return thresholds; }
  /**
   * The lowest category of each threshold group (the shared scale, or each partial-credit element) with
   * its count: it has no threshold below it, so it is not among {@link #thresholds()}. Measure and SE are null.
   */
  public List<ThresholdStat> bottomCategories() { return bottomCategories; }
  /**
   * Per element of the comparison facet that takes part in paired comparisons: counts, wins and the fit of
   * its comparisons alone (empty without comparisons). The element's {@link ElementStat} SE, infit and outfit
   * include these comparisons; its count and averages are those of its ratings.
   */
  public List<ComparisonStat> comparisons() { return comparisons; }
  /** The comparison result of one element, or null. */
  public ComparisonStat comparison(String element) {
    for (ComparisonStat c : comparisons) if (c.element().equals(element)) return c;
    return null;
  }
  /** Disjoint subsets; empty when the design is connected. */
  public List<Subset> subsets() { return subsets; }
  public boolean connected() { return subsets.isEmpty(); }
  public List<BiasTerm> bias() { return bias; }
  public String biasFacetA() { return biasFacetA; }
  public String biasFacetB() { return biasFacetB; }
  public List<String> warnings() { return warnings; }
  public Provenance provenance() { return provenance; }
  FittedModel model() { return model; }

  /** The facet result by name. */
  public FacetResult facet(String name) {
    for (FacetResult f : facets) if (f.name().equals(name)) return f;
    throw new IllegalArgumentException("no facet " + name);
  }

  /** The measure of one element. */
  public double measure(String facet, String element) {
    ElementStat e = facet(facet).element(element);
    if (e == null) throw new IllegalArgumentException("no element " + element + " in facet " + facet);
    return e.measure();
  }

  /** A copy with a bias/interaction analysis attached. */
  RaschFit withBias(String a, String b, List<BiasTerm> terms) {
    return new RaschFit(converged, iterations, maxScoreResidual, maxLogitChange, facets, thresholds, bottomCategories, comparisons,
        subsets, terms, a, b, warnings, provenance, model);
  }
}
