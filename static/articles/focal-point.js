// Media library: click the image to set its focal point (the inputs below stay usable by keyboard).
// On the add page the image is the chosen file, shown before it is uploaded.
document.addEventListener("DOMContentLoaded", () => {
  const image = document.querySelector("[data-focal-picker]");
  const x = document.getElementById("id_focal_x");
  const y = document.getElementById("id_focal_y");
  if (!image || !x || !y) return;
  const picker = image.parentElement;
  const mark = picker.querySelector(".focal-picker__mark");
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
  const upload = document.getElementById("id_upload");
  if (upload && image.hasAttribute("data-focal-preview")) {
    const empty = document.querySelector("[data-focal-empty]");
    upload.addEventListener("change", () => {
      const file = upload.files[0];
      if (!file || !file.type.startsWith("image/")) { picker.hidden = true; if (empty) empty.hidden = false; return; }
      const reader = new FileReader();
      reader.addEventListener("load", () => {
        image.src = reader.result;
        picker.hidden = false;
        if (empty) empty.hidden = true;
      });
      reader.readAsDataURL(file);
    });
  }
});
