// Media library: click the image to set its focal point (the inputs below stay usable by keyboard).
document.addEventListener("DOMContentLoaded", () => {
  const image = document.querySelector("[data-focal-picker]");
  const x = document.getElementById("id_focal_x");
  const y = document.getElementById("id_focal_y");
  if (!image || !x || !y) return;
  const mark = image.parentElement.querySelector(".focal-picker__mark");
  const show = () => {
    mark.style.left = `${Number(x.value) * 100}%`;
    mark.style.top = `${Number(y.value) * 100}%`;
  };
  image.addEventListener("click", (event) => {
    const box = image.getBoundingClientRect();
    x.value = ((event.clientX - box.left) / box.width).toFixed(2);
    y.value = ((event.clientY - box.top) / box.height).toFixed(2);
    show();
  });
  x.addEventListener("input", show);
  y.addEventListener("input", show);
  show();
});
