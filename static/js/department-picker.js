// The co-department picker of the dispatch form (templates/office/_dispatch_form.html):
// a filter box over the checkbox list, and the picked departments named in its summary.
// Without this script the list is a plain set of checkboxes.
(function () {
  "use strict";
  function setUp(picker) {
    var filter = picker.querySelector(".dept-picker-filter");
    var count = picker.querySelector(".dept-picker-count");
    var none = picker.querySelector(".dept-picker-none");
    var labels = Array.prototype.slice.call(picker.querySelectorAll(".dept-picker-group label"));
    var emptyText = count.textContent;

    function showPicked() {
      var names = labels.filter(function (label) { return label.querySelector("input").checked; })
        .map(function (label) { return label.textContent.trim(); });
      count.textContent = names.length ? "已选" + names.length + "个：" + names.join("、") : emptyText;
    }

    function applyFilter() {
      var q = filter.value.trim().toLowerCase();
      var matched = 0;
      labels.forEach(function (label) {
        var match = !q || label.textContent.toLowerCase().indexOf(q) >= 0;
        if (match) { matched += 1; }
        // picked departments stay in sight while the list is filtered
        label.hidden = !match && !label.querySelector("input").checked;
      });
      picker.querySelectorAll(".dept-picker-group").forEach(function (group) {
        group.hidden = !group.querySelector("label:not([hidden])");
      });
      none.hidden = matched > 0;
    }

    filter.hidden = false;
    filter.addEventListener("input", applyFilter);
    filter.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); }  // typing a name never dispatches
    });
    picker.addEventListener("change", showPicked);
    picker.addEventListener("toggle", function () { if (picker.open) { filter.focus(); } });
    showPicked();
  }
  document.querySelectorAll("[data-dept-picker]").forEach(setUp);
})();
