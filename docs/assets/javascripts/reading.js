// Reading on any screen, offline, no library:
// 1. A tap or click on a figure opens it full size in a dialog (Escape, the close button or a
//    tap on the picture closes it). Each figure is wrapped in a link to its own file, so the
//    figure is reached with the keyboard, and a middle click or "open in new tab" still works.
//    The figure keeps its alt text; the enlarged copy carries the same alt text and caption.
//    An image that is a control of its own (say, a frame of an animation player) opts out with
//    an ancestor (or itself) marked data-zoom="off".
// 2. Printing: every display formula records its width in ems, so that the print stylesheet
//    (extra.css) can shrink a formula wider than the page to the page width instead of clipping it.
(() => {
  const FIGURES = ".md-typeset img";
  const zh = () => (document.documentElement.lang || "").startsWith("zh");
  let dialog = null;

  function makeDialog() {
    dialog = document.createElement("dialog");
    dialog.className = "figure-zoom";
    dialog.innerHTML =
      '<button type="button" class="figure-zoom__close"></button>' +
      '<figure class="figure-zoom__figure"><img><figcaption></figcaption></figure>';
    dialog.addEventListener("click", (event) => {
      // a tap anywhere closes it, except on the caption (to select its text)
      if (!event.target.closest("figcaption")) dialog.close();
    });
    dialog.addEventListener("close", () => {
      const img = dialog.querySelector("img");
      img.removeAttribute("src");
      document.documentElement.classList.remove("figure-zoom-open");
      if (dialog.opener) dialog.opener.focus({ preventScroll: true });
    });
    document.body.appendChild(dialog);
    return dialog;
  }

  function open(link) {
    const source = link.querySelector("img");
    const d = dialog && dialog.isConnected ? dialog : makeDialog();
    const close = d.querySelector(".figure-zoom__close");
    close.textContent = "×";
    close.setAttribute("aria-label", zh() ? "关闭" : "Close");
    const img = d.querySelector("img");
    const caption = source.closest("figure")?.querySelector("figcaption");
    // the caption as typeset (its formulas included), not its bare text
    d.querySelector("figcaption").replaceChildren(
      ...(caption ? Array.from(caption.childNodes, (node) => node.cloneNode(true)) : []),
    );
    img.alt = source.alt;
    img.style.width = "";
    const fit = () => {
      // full size: the figure's own size, and at least the width of the screen for a drawing
      // (SVG scales without loss), so a phone shows it larger than in the page
      const natural = img.naturalWidth;
      const padding = getComputedStyle(img.parentElement);
      const screen =
        d.clientWidth - parseFloat(padding.paddingLeft) - parseFloat(padding.paddingRight);
      const vector = /\.svg(\?|#|$)/i.test(img.currentSrc || img.src);
      img.style.width = `${vector ? Math.max(natural, Math.min(screen, 2 * natural)) : natural}px`;
    };
    img.addEventListener("load", fit, { once: true });
    img.src = source.currentSrc || source.src;
    if (img.complete && img.naturalWidth) fit();
    d.opener = link;
    document.documentElement.classList.add("figure-zoom-open");
    d.showModal();
    d.scrollTo(0, 0);
  }

  function wrapFigures() {
    for (const img of document.querySelectorAll(FIGURES)) {
      if (img.closest('a, .figure-zoom, .twemoji, .emojione, [data-zoom="off"]')) continue;
      const link = document.createElement("a");
      link.className = "figure-zoom__link";
      link.href = img.currentSrc || img.src;
      link.setAttribute("aria-haspopup", "dialog");
      img.replaceWith(link);
      link.appendChild(img);
    }
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("a.figure-zoom__link");
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    open(link);
  });

  // Width of each display formula in ems of its own font size, read before printing.
  function measureFormulas() {
    for (const math of document.querySelectorAll('mjx-container[display="true"] > mjx-math')) {
      const size = parseFloat(getComputedStyle(math).fontSize);
      const width = math.getBoundingClientRect().width;
      if (size > 0 && width > 0) {
        math.parentElement.style.setProperty("--formula-em", (width / size).toFixed(3));
      }
    }
  }
  window.addEventListener("beforeprint", measureFormulas);

  if (typeof document$ !== "undefined") document$.subscribe(wrapFigures);
  else document.addEventListener("DOMContentLoaded", wrapFigures);
})();
