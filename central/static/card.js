(function () {
  var box = document.getElementById("qr"), left = document.getElementById("left");
  var error = document.getElementById("error"), nextChange = Number(box.dataset.nextChange) * 1000;
  function refresh() {
    fetch(box.dataset.codeUrl, {cache: "no-store"}).then(function (r) {
      return r.json().then(function (body) { if (!r.ok) { throw new Error(body.message); } return body; });
    }).then(function (body) {
      box.innerHTML = body.svg; nextChange = body.next_change * 1000; error.textContent = "";
    }).catch(function (e) { box.innerHTML = ""; error.textContent = e.message; nextChange = Date.now() + 15000; });
  }
  setInterval(function () {
    var s = Math.max(0, Math.round((nextChange - Date.now()) / 1000));
    left.textContent = s;
    if (s <= 0) { refresh(); nextChange = Date.now() + 5000; }
  }, 1000);
}());
