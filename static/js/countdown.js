// Live countdowns: every element with data-deadline (ISO 8601) shows the time left,
// and turns red once the deadline has passed. The server renders the starting text.
(function () {
  "use strict";
  function pad(n) { return n < 10 ? "0" + n : "" + n; }
  function describe(ms) {
    var late = ms < 0;
    var s = Math.floor(Math.abs(ms) / 1000);
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    var text = d > 0 ? d + "天" + h + "小时" : (h > 0 ? h + "小时" + pad(m) + "分" : m + "分" + pad(s % 60) + "秒");
    return late ? "已超时" + text : "剩余" + text;
  }
  function tick() {
    var now = Date.now();
    var nodes = document.querySelectorAll("[data-deadline]");
    for (var i = 0; i < nodes.length; i++) {
      var el = nodes[i];
      var left = Date.parse(el.getAttribute("data-deadline")) - now;
      if (isNaN(left)) { continue; }
      el.textContent = describe(left);
      el.classList.toggle("overdue", left < 0);
      el.classList.toggle("soon", left >= 0 && left < 4 * 3600 * 1000);
    }
  }
  tick();
  setInterval(tick, 1000);
})();
