// MathJax 3, served locally, loaded only by pages that have math.
//
// This file is the only MathJax script in mkdocs.yml's extra_javascript. On every page view
// (Material's document$, which also fires on instant navigation) it looks for math: the
// elements pymdownx.arithmatex (generic mode) writes, or notebook Markdown cells
// (mkdocs-jupyter) holding $...$, \(...\) or \[...\]. A page without math loads nothing more;
// a page with math injects assets/mathjax/tex-chtml.js (1.16 MB) once, from a URL relative to
// this script, so it works at any page depth and under any site path.
//
// Typeset once: startup's own typeset is off; the page is typeset in pageReady (so
// MathJax.startup.promise resolves after the first typeset), and every later page view
// clears and typesets again. Never twice for one view, which would nest mjx-containers.
// "$" delimiters are for notebook pages; only elements of the processed classes are looked
// at, so prose elsewhere is left alone.
(function () {
  const script = document.currentScript;
  const MATHJAX = new URL("../mathjax/tex-chtml.js", script ? script.src : location.href).href;
  const NOTEBOOK_MARKDOWN = ".jp-MarkdownOutput, .jp-RenderedMarkdown";
  const TEX = /\$|\\\(|\\\[/;

  function hasMath() {
    if (document.querySelector(".arithmatex")) return true;
    return Array.from(document.querySelectorAll(NOTEBOOK_MARKDOWN)).some((el) =>
      TEX.test(el.textContent),
    );
  }

  function typeset() {
    MathJax.startup.output.clearCache();
    MathJax.typesetClear();
    MathJax.texReset();
    return MathJax.typesetPromise();
  }

  function load() {
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
      startup: {
        typeset: false,
        pageReady: () => MathJax.startup.defaultPageReady().then(typeset),
      },
    };
    const tag = document.createElement("script");
    tag.src = MATHJAX;
    tag.async = true;
    document.head.appendChild(tag);
  }

  let requested = false;
  document$.subscribe(() => {
    if (!hasMath()) return;
    if (!requested) {
      requested = true; // the first page view with math: pageReady typesets it
      load();
    } else if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      MathJax.startup.promise.then(typeset);
    }
  });
})();
