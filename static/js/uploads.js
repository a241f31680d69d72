/* The upload widget shared by the public form (intake.js) and the staff forms (handler's reply,
   office entry): thumbnails, photos shrunk before upload, one request per file with progress,
   retry on a network or server failure, a refused file's Chinese message beside it. The forms
   work without it (a plain file input). */
(function () {
  "use strict";
  function $$(sel, el) { return Array.prototype.slice.call((el || document).querySelectorAll(sel)); }
  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text) e.textContent = text; return e; }

  function shrink(file) {
    /* JPEG/PNG only (HEIC goes as is: the server converts it). 2,048 px long side keeps a
       phone photo under iOS's canvas limit; createImageBitmap applies EXIF orientation. */
    return new Promise(function (resolve) {
      if (!/^image\/(jpeg|png)$/.test(file.type) || !window.createImageBitmap || file.size < 300000) return resolve(file);
      createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bmp) {
        var s = Math.min(1, 2048 / Math.max(bmp.width, bmp.height));
        var c = document.createElement("canvas");
        c.width = Math.round(bmp.width * s); c.height = Math.round(bmp.height * s);
        var g = c.getContext("2d");
        g.fillStyle = "#fff"; g.fillRect(0, 0, c.width, c.height);
        g.drawImage(bmp, 0, 0, c.width, c.height);
        c.toBlob(function (b) { resolve(b && b.size < file.size ? new File([b], file.name.replace(/\.png$/i, ".jpg"), { type: "image/jpeg" }) : file); }, "image/jpeg", 0.85);
      }, function () { resolve(file); });
    });
  }

  /* o: list (ul), inputs (file inputs), url, key() (the submission key, or null), csrf,
     photoMax, videoMax, onChange(), onDone(u) (an upload stored: u.id). */
  function widget(o) {
    var uploads = [], busy = 0;
    function query() { var k = o.key ? o.key() : null; return k ? "?key=" + encodeURIComponent(k) : ""; }
    function changed() { if (o.onChange) o.onChange(); }
    function add(u) {
      var li = el("li", "file");
      var preview = u.url ? el("img") : el("div", "vid");
      if (u.url) { preview.src = u.url; preview.alt = ""; }
      var name = el("span", "file-name", (u.kind === "video" ? "视频 · " : "照片 · ") + u.name);
      var bar = el("div", "bar"); bar.appendChild(el("i"));
      var msg = el("span", "msg");
      msg.setAttribute("role", "status");
      var x = el("button", "x", "×"); x.type = "button"; x.setAttribute("aria-label", "删除 " + u.name);
      li.append(preview, name, bar, msg, x);
      o.list.appendChild(li);
      u.li = li; u.bar = bar.firstChild; u.msg = msg;
      if (u.restored) { li.classList.add("done"); u.bar.style.width = "100%"; if (o.onDone) o.onDone(u); }
      x.addEventListener("click", function () { remove(u); });
      uploads.push(u);
      return u;
    }
    function remove(u) {
      if (u.xhr) u.xhr.abort();
      if (u.id) {
        var x = new XMLHttpRequest();
        x.open("DELETE", o.url + "/" + encodeURIComponent(u.id) + query());
        x.setRequestHeader("X-CSRFToken", o.csrf); x.send();
      }
      u.li.remove(); uploads = uploads.filter(function (v) { return v !== u; }); changed();
    }
    function refuse(u, text) { u.li.classList.add("failed"); u.msg.textContent = text; }
    function fail(u, text) {
      refuse(u, text);
      var retry = el("button", "retry", "重试"); retry.type = "button";
      retry.addEventListener("click", function () { retry.remove(); send(u); });
      u.msg.appendChild(retry);
    }
    function send(u) {
      var max = u.kind === "video" ? o.videoMax : o.photoMax;
      u.li.classList.remove("failed"); u.msg.textContent = "";
      if (u.file.size > max) { refuse(u, "“" + u.name + "”超过" + (u.kind === "video" ? "视频" : "照片") + "大小上限" + Math.floor(max / 1048576) + "MB"); return; }
      busy++;
      var fd = new FormData(); fd.append("file", u.file, u.name);
      var x = u.xhr = new XMLHttpRequest();
      x.open("POST", o.url + query());
      x.setRequestHeader("X-CSRFToken", o.csrf);
      x.upload.onprogress = function (e) { if (e.lengthComputable) u.bar.style.width = Math.round(e.loaded / e.total * 100) + "%"; };
      x.onload = function () {
        busy--; u.xhr = null;
        var body = {}; try { body = JSON.parse(x.responseText); } catch (e) { /* not JSON */ }
        if (x.status === 201) { u.id = body.id; u.li.classList.add("done"); u.bar.style.width = "100%"; if (o.onDone) o.onDone(u); changed(); }
        else if (x.status >= 400 && x.status < 500 && x.status !== 408 && x.status !== 429) refuse(u, body.message || "无法上传");
        else fail(u, "上传失败，");
      };
      x.onerror = x.ontimeout = function () { busy--; u.xhr = null; fail(u, "网络中断，"); };
      x.send(fd);
    }
    o.inputs.forEach(function (input) {
      input.addEventListener("change", function () {
        Array.prototype.forEach.call(input.files, function (f) {
          var kind = /^video\//.test(f.type) ? "video" : "photo";
          var u = add({ name: f.name, kind: kind, url: kind === "photo" && /^image\/(jpeg|png)$/.test(f.type) ? URL.createObjectURL(f) : null });
          u.file = f;
          busy++;
          (kind === "photo" ? shrink(f) : Promise.resolve(f)).then(function (g) { busy--; u.file = g; send(u); });
        });
        input.value = "";
      });
    });
    return {
      add: add,
      items: function () { return uploads; },
      /* Why the form may not be sent now, or null. */
      blocker: function () {
        if (busy > 0) return "文件还在上传，请稍候再提交";
        if (uploads.some(function (u) { return !u.id; })) return "有文件未上传成功，请点“重试”或删除后再提交";
        return null;
      }
    };
  }

  /* The staff forms: <form data-uploads data-upload-url data-photo-max data-video-max> holding
     ul[data-files] and [data-pick] file inputs; each stored file sends a hidden upload_id. */
  function setupStaff(form) {
    var list = form.querySelector("[data-files]");
    var w = widget({
      list: list, inputs: $$("[data-pick] input[type=file]", form), url: form.dataset.uploadUrl,
      key: function () { var k = form.querySelector("input[name$=upload_key]"); return k ? k.value : null; },
      csrf: form.querySelector("input[name$=csrf_token]").value, photoMax: +form.dataset.photoMax, videoMax: +form.dataset.videoMax,
      onDone: function (u) {
        var h = document.createElement("input"); h.type = "hidden"; h.name = "upload_id"; h.value = u.id;
        u.li.appendChild(h);
      }
    });
    form.addEventListener("submit", function (e) {
      var why = w.blocker();
      if (why) { e.preventDefault(); alert(why); }
    });
  }

  window.MsbUploads = { widget: widget, shrink: shrink };
  document.addEventListener("DOMContentLoaded", function () { $$("form[data-uploads]").forEach(setupStaff); });
})();
