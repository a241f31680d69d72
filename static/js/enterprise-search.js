// Enterprise autocomplete on the staff entry form: typing a short name, pinyin initials or a
// credit code lists matches from the office's JSON search; picking one fills the full name and
// the hidden enterprise id. Without JS the form's 查找企业 button does the same search.
(function () {
  "use strict";
  var input = document.querySelector("[data-enterprise-search]");
  var hidden = document.querySelector("[data-enterprise-id]");
  if (!input || !hidden || !window.fetch) { return; }
  var list = document.createElement("ul");
  list.className = "suggest-list";
  list.id = "enterprise-suggestions";
  list.setAttribute("role", "listbox");
  list.hidden = true;
  input.setAttribute("aria-controls", list.id);
  input.parentNode.appendChild(list);
  var timer = null, seq = 0, active = -1;

  function close() { list.hidden = true; list.innerHTML = ""; active = -1; }
  function choose(item) {
    input.value = item.name;
    hidden.value = item.id;
    close();
  }
  function render(items) {
    list.innerHTML = "";
    active = -1;
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.setAttribute("role", "option");
      li.textContent = item.name;
      var code = document.createElement("span");
      code.className = "small muted";
      code.textContent = " " + item.credit_code + (item.township ? " · " + item.township : "");
      li.appendChild(code);
      li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(item); });
      li._item = item;
      list.appendChild(li);
    });
    list.hidden = items.length === 0;
  }
  function search() {
    var q = input.value.trim(), mine = ++seq;
    if (!q) { close(); return; }
    fetch(input.getAttribute("data-enterprise-search") + "?q=" + encodeURIComponent(q),
          {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (items) { if (mine === seq) { render(items); } })
      .catch(function () { close(); });
  }
  function mark(i) {
    var options = list.children;
    if (!options.length) { return; }
    active = (i + options.length) % options.length;
    for (var k = 0; k < options.length; k++) {
      options[k].setAttribute("aria-selected", k === active ? "true" : "false");
    }
  }
  input.addEventListener("input", function () {
    hidden.value = "";  // typed again: no longer the picked enterprise
    clearTimeout(timer);
    timer = setTimeout(search, 200);
  });
  input.addEventListener("keydown", function (e) {
    if (list.hidden) { return; }
    if (e.key === "ArrowDown") { e.preventDefault(); mark(active + 1); }
    else if (e.key === "ArrowUp") { e.preventDefault(); mark(active - 1); }
    else if (e.key === "Enter" && active >= 0) { e.preventDefault(); choose(list.children[active]._item); }
    else if (e.key === "Escape") { close(); }
  });
  input.addEventListener("blur", function () { setTimeout(close, 150); });
})();
