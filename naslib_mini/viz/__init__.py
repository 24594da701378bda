"""Pictures for the notebooks, by concept. Every helper returns an object (a graphviz.Digraph or
a matplotlib Figure) that the caller shows or saves; nothing here trains or imports training
code. Import the module you need; nothing is re-exported.

- cells:          a cell genotype as a graph (Graphviz, or matplotlib when `dot` is missing)
- plots:          the generic pictures (histories, best so far, counts, histograms, scatters,
                  grouped bars, rank correlations, REINFORCE's rewards) and the one `_axes`
- search_plots:   model-based searches: predicted against true, lines, NAO's embedding
- compare_plots:  compare()'s results: regret curves, the showdown
- oneshot_plots, darts_variants, densenas_plots, fairness_plots: the one-shot methods
- tables:         the paper-claims table (Markdown)
- explorer:       the NAS-Bench-201 cell explorer (a widget over tested functions)
"""
