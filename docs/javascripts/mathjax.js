// MathJax 3, served from this site (assets/mathjax, copied there at build time from the npm
// package): TeX in \( \) and \[ \] as pymdownx.arithmatex writes it, plus $ $ and $$ $$ in the
// rendered notebooks. textmacros makes \text{...} understand \_ and friends.
window.MathJax = {
  loader: { load: ["[tex]/textmacros"] },
  tex: {
    packages: { "[+]": ["textmacros"] },
    inlineMath: [["\\(", "\\)"], ["$", "$"]],
    displayMath: [["\\[", "\\]"], ["$$", "$$"]],
    processEscapes: true,
    processEnvironments: true,
  },
  options: {
    ignoreHtmlClass: "no-math|highlight|md-search",
  },
};
// Every page is a full load (navigation.instant is off), so MathJax's own startup typesets it.
// Re-typesetting on Material's document$ as well raced with that startup: when it ran after
// it, clearCache() dropped the glyph styles and the math showed blank.
