/* A photo from the phone's camera (<input type="file" accept="image/*" capture="environment">),
 * scaled down in the browser before it is sent: a phone's 12-megapixel JPEG of 4 MB becomes a
 * JPEG of some 300 KB whose longest side is MAX_SIDE, what a dispatcher needs to judge the site.
 * Shared by the worker's phone pages and the residents' page. */

var MAX_SIDE = 1600;
var QUALITY = 0.82;

/* Resolves a Blob (image/jpeg) no larger than MAX_SIDE on its longest side; the file itself when
 * the browser cannot decode it (the server then judges it). Orientation from the photo's EXIF. */
export function scaledPhoto(file) {
  if (!file) return Promise.resolve(null);
  if (typeof createImageBitmap !== "function") return Promise.resolve(file);
  return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
    var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    var canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    if (bitmap.close) bitmap.close();
    return new Promise(function (resolve) {
      canvas.toBlob(function (blob) { resolve(blob || file); }, "image/jpeg", QUALITY);
    });
  }).catch(function () { return file; });
}

/* Show the chosen photo in an <img> (CSP: img-src allows blob:), and hide it again for none. */
export function previewPhoto(img, blob) {
  if (!img) return;
  if (img.src && img.src.indexOf("blob:") === 0) URL.revokeObjectURL(img.src);
  if (!blob) { img.hidden = true; img.removeAttribute("src"); return; }
  img.src = URL.createObjectURL(blob);
  img.hidden = false;
}
