// Printing a page (the rules are in docs/assets/stylesheets/print.css):
// 1. Answers. Each exercise's answer is a folded "??? success" block (a <details> whose summary
//    is 答案 / Answer). A reader chooses whether a printout carries them: a checkbox above the
//    first answer of a page, "打印时隐藏答案" / "Hide answers when printing". Unticked (the
//    default), every answer is printed unfolded, the closed ones too; ticked, none is printed.
//    Other folded blocks (a derivation) are always printed unfolded.
//    The choice is remembered (localStorage) for every page of both languages, so a teacher
//    prints a set of chapters without answers by ticking it once. The checkbox itself is
//    never printed.
// 2. Addresses. On paper a link cannot be followed, so the print stylesheet writes the address
//    of every external link after it. A link whose text already is its address (a reference
//    shown as its DOI or arXiv number, say) is marked here so that it is not written twice.
// Both work for the browser's own printing (beforeprint/afterprint) and for a headless print
// (scripts/pdf.py dispatches "beforeprint" itself before it prints a page).
(() => {
  const KEY = "print.hideAnswers";
  const HIDE = "print-hide-answers";
  const zh = () => (document.documentElement.lang || "").startsWith("zh");
  const LABELS = { zh: "打印时隐藏答案", en: "Hide answers when printing" };

  function stored() {
    try {
      return window.localStorage.getItem(KEY) === "1";
    } catch {
      return false; // storage blocked (a private window, a file:// page)
    }
  }

  function store(hide) {
    try {
      window.localStorage.setItem(KEY, hide ? "1" : "0");
    } catch {
      // the choice then lasts for this page only
    }
  }

  function apply(hide) {
    document.documentElement.classList.toggle(HIDE, hide);
    for (const box of document.querySelectorAll(".print-answers input")) box.checked = hide;
  }

  function answers() {
    const names = new Set(["答案", "Answer"]);
    return Array.from(document.querySelectorAll(".md-typeset details")).filter((d) => {
      const summary = d.querySelector(":scope > summary");
      return summary && names.has(summary.textContent.trim());
    });
  }

  function addControl(first) {
    if (document.querySelector(".print-answers")) return;
    const label = document.createElement("label");
    label.className = "print-answers";
    const box = document.createElement("input");
    box.type = "checkbox";
    box.checked = stored();
    box.addEventListener("change", () => {
      store(box.checked);
      apply(box.checked);
    });
    label.append(box, " ", zh() ? LABELS.zh : LABELS.en);
    // right under the heading of the exercises (the heading before the first answer)
    let block = first;
    while (block.parentElement && !block.parentElement.matches(".md-typeset")) {
      block = block.parentElement;
    }
    let heading = block.previousElementSibling;
    while (heading && !/^H[1-3]$/.test(heading.tagName)) heading = heading.previousElementSibling;
    if (heading) heading.after(label);
    else block.before(label);
  }

  // Links whose visible text is already their address (e.g. "arXiv:1412.6980" ->
  // https://arxiv.org/abs/1412.6980, "doi:10.1137/1011036" -> https://doi.org/10.1137/1011036).
  function markSelfDescribingLinks() {
    for (const a of document.querySelectorAll('.md-typeset a[href^="http"]')) {
      let href = a.href;
      try {
        href = decodeURIComponent(href);
      } catch {
        // keep the raw address
      }
      const text = a.textContent.trim();
      const bare = (url) => url.replace(/^https?:\/\/(www\.)?/i, "");
      const id = text.match(/^(doi|arxiv):\s*(\S+)$/i);
      // "doi:<id>" or "arXiv:<id>" whose address holds the id, or the start of the address
      // itself without its scheme ("jmlr.org/papers/v12/duchi11a")
      const self = id
        ? href.includes(id[2])
        : text.length > 3 && bare(href).startsWith(bare(text));
      if (self) a.classList.add("print-url-in-text");
    }
  }

  function setUp() {
    const found = answers();
    for (const d of found) d.setAttribute("data-answer", "");
    if (found.length) addControl(found[0]);
    apply(stored());
    markSelfDescribingLinks();
  }

  // Unfold the folded blocks for printing (a derivation, the answers unless they are hidden)
  // and fold them again afterwards.
  function beforePrint() {
    const hide = document.documentElement.classList.contains(HIDE);
    for (const d of document.querySelectorAll(".md-typeset details:not([open])")) {
      if (hide && d.hasAttribute("data-answer")) continue;
      d.setAttribute("data-print-opened", "");
      d.open = true;
    }
  }

  function afterPrint() {
    for (const d of document.querySelectorAll("details[data-print-opened]")) {
      d.removeAttribute("data-print-opened");
      d.open = false;
    }
  }

  window.addEventListener("beforeprint", beforePrint);
  window.addEventListener("afterprint", afterPrint);
  // another tab changed the choice
  window.addEventListener("storage", (event) => {
    if (event.key === KEY) apply(event.newValue === "1");
  });

  if (typeof document$ !== "undefined") document$.subscribe(setUp);
  else document.addEventListener("DOMContentLoaded", setUp);
})();
