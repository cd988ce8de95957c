// Served beside require.js and the widget manager (site-static/widgets, see the Makefile).
// The manager finds its fonts and chunks next to the URL requirejs gives its AMD module
// "@jupyter-widgets/html-manager/dist/libembed-amd"; by default that is relative to the
// page. Point it at this folder, wherever the page is.
(function () {
  var src = document.currentScript.src.split("?")[0];
  require.config({paths: {"@jupyter-widgets/html-manager/dist": src.slice(0, src.lastIndexOf("/"))}});
})();
