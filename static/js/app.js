// Page behaviour as a module with listeners (the Content-Security-Policy forbids inline script).

function fillCurrentPosition(button) {
  const form = button.closest("form");
  const lat = form.querySelector("[name=latitude]");
  const lng = form.querySelector("[name=longitude]");
  if (!navigator.geolocation || !lat || !lng) return;
  button.disabled = true;
  navigator.geolocation.getCurrentPosition(
    (pos) => {
      lat.value = pos.coords.latitude.toFixed(6);
      lng.value = pos.coords.longitude.toFixed(6);
      button.disabled = false;
      document.dispatchEvent(new CustomEvent("location-filled"));
    },
    () => { button.disabled = false; },
    { enableHighAccuracy: true, timeout: 10000 },
  );
}

document.addEventListener("click", (event) => {
  const locate = event.target.closest("[data-locate]");
  if (locate) fillCurrentPosition(locate);
});
