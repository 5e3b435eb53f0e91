// Live preview of the earning scale: sends the editor's fields to the server, which runs the tills' own code.
(function () {
  "use strict";
  var form = document.getElementById("rules-form");
  var output = document.getElementById("preview");
  var script = document.getElementById("rules-script");
  if (!form || !output || !script) { return; }
  var url = script.getAttribute("data-url");
  var pending = null;
  var counter = 0;
  function refresh() {
    var mine = ++counter;
    fetch(url, { method: "POST", body: new FormData(form), credentials: "same-origin",
                 headers: { "X-CSRFToken": document.querySelector('meta[name="csrf-token"]').content } })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        if (mine !== counter) { return; }
        output.textContent = answer.ok ? answer.text : answer.message;
        output.classList.toggle("invalid", !answer.ok);
        output.setAttribute("data-points", answer.ok ? String(answer.points) : "");
      })
      .catch(function () { /* the next change tries again */ });
  }
  form.addEventListener("input", function () {
    if (pending) { clearTimeout(pending); }
    pending = setTimeout(refresh, 250);
  });
  refresh();
})();
