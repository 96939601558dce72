// MathJax 3 configuration for pymdownx.arithmatex (generic mode), served locally.
// "$" delimiters are for notebook pages (Markdown cells rendered by mkdocs-jupyter); only
// elements of the processed classes are looked at, so prose elsewhere is left alone.
// typeset is off at start-up; every page view (including Material's instant navigation)
// typesets once in the document$ subscription, so formulas are never typeset twice.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"], ["$", "$"]],
    displayMath: [["\\[", "\\]"], ["$$", "$$"]],
    processEscapes: true,
    processEnvironments: true,
  },
  options: {
    ignoreHtmlClass: ".+",
    processHtmlClass: "arithmatex|jp-MarkdownOutput|jp-RenderedMarkdown",
  },
  startup: { typeset: false },
};

document$.subscribe(() => {
  MathJax.startup.promise.then(() => {
    MathJax.startup.output.clearCache();
    MathJax.typesetClear();
    MathJax.texReset();
    return MathJax.typesetPromise();
  });
});
