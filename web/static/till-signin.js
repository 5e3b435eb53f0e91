document.querySelectorAll(".pinpad .key").forEach(function (b) {
  b.addEventListener("click", function () {
    var pin = document.getElementById("pin"), k = b.dataset.key;
    pin.value = k === "C" ? "" : k === "⌫" ? pin.value.slice(0, -1) : (pin.value + k).slice(0, 8);
  });
});
