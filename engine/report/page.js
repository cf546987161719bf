/* rowboat page script: draws the Plotly figures of the JSON data block (when they come near
   the viewport) and switches the strategy picker. No network access, no storage. */
(function () {
  "use strict";
  var block = document.getElementById("rowboat-data");
  if (!block || typeof Plotly === "undefined") { return; }
  var blob = JSON.parse(block.textContent);
  var dates = blob.dates || {};
  var figures = blob.figures || {};
  var narrow = window.matchMedia("(max-width: 700px)").matches;
  var config = {displaylogo: false, responsive: true, scrollZoom: false,
                modeBarButtonsToRemove: ["toImage", "select2d", "lasso2d", "autoScale2d"]};

  function unpack(p) {  /* {q, z}: integer steps × 10^-q, null = missing (plotly_embed.values) */
    if (!p || Array.isArray(p) || p.z === undefined) { return p; }
    var out = new Array(p.z.length), acc = 0, scale = Math.pow(10, p.q);
    for (var i = 0; i < p.z.length; i++) {
      var v = p.z[i];
      if (v === null) { out[i] = null; } else { acc += v; out[i] = acc / scale; }
    }
    return out;
  }

  function resolve(fig) {
    (fig.data || []).forEach(function (t) {
      if (typeof t.x === "string" && dates[t.x]) { t.x = dates[t.x]; }
      t.y = unpack(t.y);
    });
    var layout = fig.layout || {};
    if (narrow) {
      layout.dragmode = false;  /* let a finger scroll the page; zoom from the mode bar */
      layout.margin = Object.assign({}, layout.margin || {}, {l: 44, r: 8});
    }
    return {data: fig.data || [], layout: layout};
  }

  function draw(el) {
    if (el.getAttribute("data-drawn")) { return; }
    var fig = figures[el.getAttribute("data-fig")];
    if (!fig) { return; }
    el.setAttribute("data-drawn", "1");
    var f = resolve(fig);
    Plotly.newPlot(el, f.data, f.layout, config);
  }

  function visible(el) {
    return el.offsetParent !== null;
  }

  var observer = null;
  if ("IntersectionObserver" in window) {
    observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) {
        if (e.isIntersecting && visible(e.target)) { draw(e.target); observer.unobserve(e.target); }
      });
    }, {rootMargin: "600px 0px"});
  }

  function watch(root) {
    Array.prototype.forEach.call(root.querySelectorAll("div.plot[data-fig]"), function (el) {
      if (el.getAttribute("data-drawn") || !visible(el)) { return; }
      if (observer) { observer.observe(el); } else { draw(el); }
    });
  }

  /* strategy picker: show one strategy's group of charts and tables */
  Array.prototype.forEach.call(document.querySelectorAll("select.picker"), function (sel) {
    var scope = document.getElementById(sel.getAttribute("data-scope"));
    function show() {
      Array.prototype.forEach.call(scope.querySelectorAll(".pick"), function (g) {
        var on = g.getAttribute("data-strategy") === sel.value;
        g.hidden = !on;
        if (on) {
          watch(g);
          Array.prototype.forEach.call(g.querySelectorAll("div.plot[data-drawn]"), function (el) {
            Plotly.Plots.resize(el);
          });
        }
      });
    }
    sel.addEventListener("change", show);
    show();
  });
  watch(document);
  /* draw anything in view right away (the observer's first callback is asynchronous) */
  Array.prototype.forEach.call(document.querySelectorAll("div.plot[data-fig]"), function (el) {
    var r = el.getBoundingClientRect();
    if (visible(el) && r.top < window.innerHeight + 200 && r.bottom > -200) { draw(el); }
  });
  window.rowboatDraw = function (id) {  /* for tests and printing: draw one figure now */
    var el = document.querySelector('div.plot[data-fig="' + id + '"]');
    if (el) { draw(el); }
    return el;
  };
}());
