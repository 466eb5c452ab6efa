// Progressive enhancement of the evidence form: fill the coordinates from the phone's location.
// Without this script (or without permission) the coordinates are typed; a photo's own GPS,
// when it has one, is used by the server whatever the form says.
(function () {
  var here = document.getElementById("f-evidence-here");
  var lat = document.getElementById("f-evidence-latitude");
  var lon = document.getElementById("f-evidence-longitude");
  var source = document.getElementById("f-evidence-source");
  if (!here || !lat || !lon || !source || !navigator.geolocation) { return; }
  here.hidden = false;
  here.addEventListener("click", function () {
    here.disabled = true;
    navigator.geolocation.getCurrentPosition(function (position) {
      lat.value = position.coords.latitude.toFixed(7);
      lon.value = position.coords.longitude.toFixed(7);
      source.value = "browser";
      here.disabled = false;
    }, function () { here.disabled = false; }, { enableHighAccuracy: true, timeout: 15000 });
  });
  function typed() { source.value = "typed"; }
  lat.addEventListener("input", typed);
  lon.addEventListener("input", typed);
})();
