// The printable head-hash page: a print button without an inline handler.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-action=print]")) window.print();
});
