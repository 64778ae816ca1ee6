// Draws every chart of a page: each element with data-chart names a
// <script type="application/json"> block holding Plotly's traces and layout.
// No inline scripts: the Content-Security-Policy allows scripts from this site only.
(function () {
  "use strict";
  function draw() {
    var holders = document.querySelectorAll("[data-chart]");
    for (var i = 0; i < holders.length; i++) {
      var holder = holders[i];
      var source = document.getElementById(holder.getAttribute("data-chart"));
      if (!source || typeof Plotly === "undefined") { continue; }
      var figure = JSON.parse(source.textContent);
      Plotly.newPlot(holder, figure.data, figure.layout, {
        displaylogo: false,
        responsive: true,
        modeBarButtonsToRemove: ["sendDataToCloud"]
      }).then(function (element) { element.setAttribute("data-drawn", "true"); });
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
