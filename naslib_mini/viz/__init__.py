"""Pictures for the notebooks: ``cells`` draws cell genotypes (Graphviz, or matplotlib when
Graphviz's `dot` is missing); ``plots`` draws runs with matplotlib; ``tables`` shows tables (the paper-claims table) as Markdown. Every helper returns an
object (a graphviz.Digraph or a matplotlib Figure) that the caller shows or saves; nothing
here trains or imports training code. Import the module you need; nothing is re-exported."""
