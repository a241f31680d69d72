/* The visit form's "再加一个问题": copies the last issue row, emptied (up to 10 rows). */
(function () {
  "use strict";
  var button = document.getElementById("add-issue");
  var list = document.getElementById("visit-issues");
  if (!button || !list) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    var rows = list.querySelectorAll(".issue-row");
    if (rows.length >= 10) { return; }
    var copy = rows[rows.length - 1].cloneNode(true);
    copy.querySelector("select").value = "";
    copy.querySelector("textarea").value = "";
    list.appendChild(copy);
    copy.querySelector("select").focus();
  });
}());
