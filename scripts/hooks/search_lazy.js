// Search that loads on first use (put inline into every page's <head> by scripts/hooks/search.py,
// so it runs before Material's bundle).
//
// Material fetches the search index (search/search_index.json, about half a megabyte) and starts
// its search worker as soon as a page loads, although most readers never search. This script
// holds back the index request (XMLHttpRequest, or fetch in other versions) and the creation of
// the search worker until the reader turns to search: focus or click on the search box or its
// label, or the "/", "s", "f" keys. Material then sends the box's current text once the worker
// is ready, so the first query works.
//
// It also rewrites a few words a reader may type that the book spells differently (the
// synonyms of scripts/hooks/search_words.txt) in the query sent to the worker.
(function () {
  "use strict";
  var INDEX = /\/search\/search_index\.json(?:[?#]|$)/;
  var WORKER = /\/workers\/search\.[^/]*\.js(?:[?#]|$)/;
  var SYNONYMS = __SEARCH_SYNONYMS__;

  var released = false;
  var waiting = [];

  function release() {
    if (released) return;
    released = true;
    var pending = waiting;
    waiting = [];
    pending.forEach(function (run) {
      try {
        run();
      } catch (err) {
        console.warn("search:", err);
      }
    });
  }

  function whenReleased(run) {
    if (released) run();
    else waiting.push(run);
  }

  // The index request ------------------------------------------------------------------------
  var open = XMLHttpRequest.prototype.open;
  var send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.open = function (method, url) {
    this.__searchIndex = INDEX.test(String(url));
    return open.apply(this, arguments);
  };
  XMLHttpRequest.prototype.send = function () {
    var xhr = this;
    var args = arguments;
    if (!xhr.__searchIndex || released) return send.apply(xhr, args);
    whenReleased(function () {
      if (xhr.readyState === 1) send.apply(xhr, args); // still opened: not aborted meanwhile
    });
  };

  if (window.fetch) {
    var nativeFetch = window.fetch;
    window.fetch = function (input) {
      var url = typeof input === "string" ? input : (input && input.url) || String(input);
      var self = this;
      var args = arguments;
      if (!INDEX.test(url) || released) return nativeFetch.apply(self, args);
      return new Promise(function (resolve) {
        whenReleased(function () {
          resolve(nativeFetch.apply(self, args));
        });
      });
    };
  }

  // The search worker: created when Material first posts to it (after the index arrived) -----
  function rewrite(query) {
    Object.keys(SYNONYMS)
      .sort(function (a, b) {
        return b.length - a.length;
      })
      .forEach(function (typed) {
        query = query.split(typed).join(SYNONYMS[typed]);
      });
    return query;
  }

  var NativeWorker = window.Worker;
  if (NativeWorker && window.EventTarget) {
    var LazyWorker = function (url, options) {
      if (!WORKER.test(String(url))) return new NativeWorker(url, options);
      var target = new EventTarget();
      var worker = null;
      target.postMessage = function (message) {
        if (message && typeof message.data === "string")
          message = { type: message.type, data: rewrite(message.data) };
        if (worker === null) {
          worker = new NativeWorker(url, options);
          worker.addEventListener("message", function (ev) {
            target.dispatchEvent(new MessageEvent("message", { data: ev.data }));
          });
          worker.addEventListener("error", function (ev) {
            target.dispatchEvent(new ErrorEvent("error", { message: ev.message }));
          });
        }
        worker.postMessage(message);
      };
      target.terminate = function () {
        if (worker !== null) worker.terminate();
      };
      return target;
    };
    LazyWorker.prototype = NativeWorker.prototype;
    window.Worker = LazyWorker;
  }

  // What counts as turning to search ---------------------------------------------------------
  function inSearch(el) {
    return !!(el && el.closest && el.closest(".md-search, label[for='__search'], #__search"));
  }
  document.addEventListener("focusin", function (ev) {
    if (inSearch(ev.target)) release();
  }, true);
  ["pointerdown", "click", "touchstart"].forEach(function (type) {
    document.addEventListener(type, function (ev) {
      if (inSearch(ev.target)) release();
    }, { capture: true, passive: true });
  });
  document.addEventListener("change", function (ev) {
    if (ev.target && ev.target.id === "__search" && ev.target.checked) release();
  }, true);
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "/" || ev.key === "s" || ev.key === "f") release();
  }, true);
  if (/[?&]q=/.test(location.search)) release(); // a shared search link opens the results
})();
