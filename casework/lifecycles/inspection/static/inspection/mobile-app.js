/* 移动监管执法 — the phone pages: service worker, online state, the upload queue's banner, and the
 * result form (draft kept in IndexedDB as the inspector types, photos downscaled to ≤ 1600 px JPEG,
 * submit online or queue offline).  Needs mobile-store.js (XTStore).  Plain JS, no library. */
(function () {
  "use strict";

  var Store = window.XTStore;
  var body = document.body;
  var MAX_SIDE = 1600;
  var JPEG_QUALITY = 0.85;

  function $(selector, scope) { return (scope || document).querySelector(selector); }
  function $all(selector, scope) { return Array.prototype.slice.call((scope || document).querySelectorAll(selector)); }
  function clock(date) {
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return two(date.getHours()) + ":" + two(date.getMinutes()) + ":" + two(date.getSeconds());
  }

  // --- service worker, session, network state ------------------------------------------------------

  if ("serviceWorker" in navigator && body.dataset.sw) {
    navigator.serviceWorker.register(body.dataset.sw, { scope: body.dataset.scope }).catch(function () {});
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "xt-flushed") {
        refreshQueue();
        if (window.XTAfterSend && event.data.summary) window.XTAfterSend(event.data.summary);
      }
    });
  }

  var ready = Promise.resolve();
  if (body.dataset.csrf && body.dataset.user) {
    ready = Store.put("meta", "session", { csrf: body.dataset.csrf, user: body.dataset.user, at: Date.now() }).catch(function () {});
  }

  function showNetwork() {
    var badge = $("[data-testid=net-state]");
    if (badge) badge.hidden = navigator.onLine;
  }
  window.addEventListener("offline", showNetwork);
  window.addEventListener("online", function () { showNetwork(); flushNow(); });
  showNetwork();

  function askForSync() {
    if (!("serviceWorker" in navigator)) return Promise.resolve();
    return navigator.serviceWorker.ready.then(function (registration) {
      if (registration.sync && registration.sync.register) return registration.sync.register(Store.SYNC_TAG);
    }).catch(function () {});
  }

  var flushing = null;
  function flushNow() {
    if (!flushing) {
      flushing = ready.then(function () { return Store.flush(); }).then(function (summary) {
        flushing = null;
        refreshQueue();
        if (window.XTAfterSend) window.XTAfterSend(summary);
        return summary;
      }, function (error) {
        flushing = null;
        refreshQueue();
        throw error;
      });
    }
    return flushing;
  }

  // --- the queue banner (every page) and the list's cards -------------------------------------------

  function refreshQueue() {
    return Promise.all([Store.all("outbox"), Store.all("sent")]).then(function (found) {
      var user = body.dataset.user;
      var outbox = (found[0] || []).filter(function (i) { return !user || !i.user || i.user === user; });
      // what waited on the phone and has gone since (sent straight away is not news)
      var recent = (found[1] || []).filter(function (s) { return s.waited && Date.now() - s.sent_at < 10 * 60 * 1000; });
      var waiting = outbox.filter(function (i) { return i.state !== "refused"; });
      var refused = outbox.filter(function (i) { return i.state === "refused"; });
      var lines = [];
      if (waiting.length) lines.push("待上传 " + waiting.length + " 条" + (navigator.onLine ? "，正在上传…" : "，联网后自动上传"));
      if (refused.length) lines.push(refused.length + " 条未能上传（内容有误），请打开该检查修改后重新提交");
      var banner = $("[data-testid=queue-banner]");
      var outboxLine = $("[data-testid=outbox]");
      if (outboxLine) {
        // the list page has its own line; the banner stays for the other pages
        if (lines.length) {
          outboxLine.textContent = lines.join("；");
          outboxLine.className = "m-outbox";
        } else if (recent.length) {
          outboxLine.textContent = "离线保存的检查结果已上传 " + recent.length + " 条";
          outboxLine.className = "m-outbox m-outbox--sent";
        }
        outboxLine.hidden = !lines.length && !recent.length;
        if (banner) banner.hidden = true;
      } else if (banner) {
        banner.textContent = lines.length ? lines.join("；") : (recent.length ? "离线保存的检查结果已上传 " + recent.length + " 条" : "");
        banner.hidden = !banner.textContent;
      }
      $all("[data-pending-for]").forEach(function (marker) {
        var id = marker.getAttribute("data-pending-for");
        var mine = outbox.filter(function (i) { return String(i.inspection) === id; });
        var sent = recent.filter(function (s) { return String(s.inspection) === id; });
        if (mine.length) marker.textContent = mine[0].state === "refused" ? "未能上传，请打开修改" : "待上传";
        else if (sent.length) marker.textContent = "已上传";
        marker.classList.toggle("m-card__pending--sent", !mine.length && sent.length > 0);
        marker.hidden = !mine.length && !sent.length;
      });
      return { waiting: waiting, refused: refused };
    }).catch(function () { return { waiting: [], refused: [] }; });
  }

  // --- the checklist counter (every detail page) -----------------------------------------------------

  function countChecks() {
    var boxes = $all("[data-check]");
    var counter = $("[data-check-count]");
    if (!counter || !boxes.length) return;
    var done = boxes.filter(function (b) { return b.checked; }).length;
    counter.textContent = "已查 " + done + "/" + boxes.length;
  }
  $all("[data-check]").forEach(function (box) { box.addEventListener("change", countChecks); });
  countChecks();

  // --- the result form -------------------------------------------------------------------------------

  var form = $("[data-result-form]");
  if (form) resultForm(form);

  function resultForm(form) {
    var inspection = form.dataset.inspection;
    var photoInput = $("[data-photo-input]", form);
    var photoList = $("[data-photo-list]", form);
    var draftLine = $("[data-testid=draft-state]");
    var submit = $("[type=submit]", form);
    var formError = $("[data-form-error]", form);
    var draft = null;
    var saving = null;
    var submitting = false;

    // a result of this page that waited on the phone has gone: show the case as it is now
    window.XTAfterSend = function (summary) {
      if (submitting || summary.inspections.indexOf(String(inspection)) < 0) return;
      sessionStorage.setItem("xt-flash", "保存在本机的检查结果已上传");
      window.location.reload();
    };

    function serverHadErrors() {
      return $all(".m-error", form).some(function (p) { return p.textContent.trim(); });
    }

    function fieldNames() {
      return $all("select[name], textarea[name], input[name]", form)
        .filter(function (el) { return ["csrfmiddlewaretoken", "submission_token", "photo", "check"].indexOf(el.name) < 0 && el.type !== "file"; })
        .map(function (el) { return el.name; });
    }

    function readFields() {
      var values = {};
      fieldNames().forEach(function (name) { values[name] = form.elements[name].value; });
      return values;
    }

    function readChecks() {
      return $all("[data-check]").filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
    }

    function toggleDepartment() {
      var field = $("[data-department-field]", form);
      if (!field) return;
      var routed = (field.dataset.routed || "").split(",");
      var chosen = form.elements.follow_up && form.elements.follow_up.value;
      field.hidden = routed.indexOf(chosen) < 0;
    }

    function showPhotos() {
      photoList.innerHTML = "";
      (draft.photos || []).forEach(function (photo, index) {
        var li = document.createElement("li");
        var img = document.createElement("img");
        img.alt = "待上传照片 " + (index + 1);
        img.src = URL.createObjectURL(photo.blob);
        img.onload = function () { URL.revokeObjectURL(img.src); };
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "m-thumb__remove";
        remove.setAttribute("aria-label", "删除第 " + (index + 1) + " 张照片");
        remove.textContent = "×";
        remove.addEventListener("click", function () {
          draft.photos.splice(index, 1);
          save().then(showPhotos);
        });
        li.appendChild(img);
        li.appendChild(remove);
        photoList.appendChild(li);
      });
    }

    function save() {
      draft.fields = readFields();
      draft.checks = readChecks();
      draft.updated_at = Date.now();
      saving = Store.put("drafts", inspection, draft).then(function () {
        if (draftLine) draftLine.textContent = "草稿已保存在本机 " + clock(new Date());
      }).catch(function () {
        if (draftLine) draftLine.textContent = "草稿未能保存（手机存储不可用），请尽快提交";
      });
      return saving;
    }

    var timer = null;
    function saveSoon() {
      clearTimeout(timer);
      timer = setTimeout(save, 250);
    }

    function restore(saved) {
      if (!saved) return;
      if (!serverHadErrors()) {
        Object.keys(saved.fields || {}).forEach(function (name) {
          var el = form.elements[name];
          if (el && typeof saved.fields[name] === "string") el.value = saved.fields[name];
        });
      }
      $all("[data-check]").forEach(function (b) { b.checked = (saved.checks || []).indexOf(b.value) >= 0; });
      if (draftLine && saved.updated_at) draftLine.textContent = "已恢复本机草稿（" + clock(new Date(saved.updated_at)) + " 保存）";
    }

    function downscale(file) {
      function draw(source, width, height) {
        var scale = Math.min(1, MAX_SIDE / Math.max(width, height));
        var canvas = document.createElement("canvas");
        canvas.width = Math.max(1, Math.round(width * scale));
        canvas.height = Math.max(1, Math.round(height * scale));
        var context = canvas.getContext("2d");
        context.fillStyle = "#fff";
        context.fillRect(0, 0, canvas.width, canvas.height);
        context.drawImage(source, 0, 0, canvas.width, canvas.height);
        return new Promise(function (resolve, reject) {
          canvas.toBlob(function (blob) { blob ? resolve(blob) : reject(new Error("toBlob")); }, "image/jpeg", JPEG_QUALITY);
        });
      }
      if (window.createImageBitmap) {
        return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
          return draw(bitmap, bitmap.width, bitmap.height).then(function (blob) { bitmap.close && bitmap.close(); return blob; });
        });
      }
      return new Promise(function (resolve, reject) {
        var img = new Image();
        img.onload = function () { URL.revokeObjectURL(img.src); draw(img, img.naturalWidth, img.naturalHeight).then(resolve, reject); };
        img.onerror = function () { reject(new Error("image")); };
        img.src = URL.createObjectURL(file);
      });
    }

    function clearErrors() {
      $all("[data-error-for]", form).forEach(function (p) {
        p.textContent = "";
        var field = p.closest(".m-field");
        if (field) field.classList.remove("m-field--invalid");
      });
      formError.textContent = "";
    }

    function showErrors(error) {
      clearErrors();
      var details = (error && error.details) || {};
      var placed = false;
      Object.keys(details).forEach(function (name) {
        var p = $("[data-error-for='" + name + "']", form);
        if (!p) return;
        var text = details[name];
        p.textContent = Array.isArray(text) ? text.join("；") : String(text);
        var field = p.closest(".m-field");
        if (field) { field.classList.add("m-field--invalid"); field.hidden = false; }
        placed = true;
      });
      formError.textContent = (error && error.message) || "提交未成功";
      var first = $(".m-field--invalid", form) || formError;
      if (first && first.scrollIntoView) first.scrollIntoView({ block: "center" });
      return placed;
    }

    function lockQueued(item) {
      form.hidden = true;
      var note = document.createElement("p");
      note.className = "m-msg m-msg--warning";
      note.setAttribute("data-testid", "queued-note");
      note.textContent = navigator.onLine
        ? "检查结果已保存在本机，正在上传…"
        : "当前没有网络：检查结果已保存在本机（" + clock(new Date(item.queued_at)) + "），联网后自动上传，不会重复录入。";
      form.parentNode.insertBefore(note, form);
    }

    photoInput.addEventListener("change", function () {
      var files = Array.prototype.slice.call(photoInput.files || []);
      if (!files.length) return;
      var photoError = $("[data-error-for=photo]", form);
      photoError.textContent = "正在压缩照片…";
      Promise.all(files.map(function (file) {
        return downscale(file).then(function (blob) {
          return { token: Store.uuid(), blob: blob, name: (file.name || "photo").replace(/\.[^.]*$/, "") + ".jpg", taken_at: Date.now() };
        }, function () { return null; });
      })).then(function (photos) {
        var good = photos.filter(Boolean);
        draft.photos = (draft.photos || []).concat(good);
        photoInput.value = "";
        photoError.textContent = good.length < photos.length ? (photos.length - good.length) + " 个文件无法识别为图片，已略过" : "";
        return save();
      }).then(showPhotos);
    });

    form.addEventListener("input", saveSoon);
    form.addEventListener("change", function (event) {
      if (event.target === photoInput) return;
      if (event.target.name === "follow_up") toggleDepartment();
      saveSoon();
    });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearTimeout(timer);
      submit.disabled = true;
      submitting = true;
      save().then(function () {
        var item = {
          token: draft.token,
          inspection: inspection,
          enterprise: form.dataset.enterprise,
          api: form.dataset.api,
          detail: form.dataset.detail,
          user: body.dataset.user,
          fields: draft.fields,
          checks: draft.checks,
          photos: draft.photos || [],
          state: "queued",
          offline: !navigator.onLine,
          queued_at: Date.now(),
        };
        return Store.put("outbox", item.token, item).then(function () { return item; });
      }).then(function (item) {
        askForSync();
        if (!navigator.onLine) {
          submitting = false;
          lockQueued(item);
          refreshQueue();
          return;
        }
        var before = flushing ? flushing.catch(function () {}) : Promise.resolve();
        return before.then(flushNow).then(function () {
          return Store.get("outbox", item.token).then(function (kept) {
            if (!kept) {  // sent (by this page, or by the service worker's sync)
              sessionStorage.setItem("xt-flash", "检查结果已提交，等待同组人员确认");
              window.location.assign(form.dataset.detail);
              return;
            }
            if (kept && kept.state === "refused") {
              // nothing typed is lost: the draft stays, the errors go on the fields
              return Store.del("outbox", item.token).then(function () {
                showErrors(kept.error);
                submitting = false;
                submit.disabled = false;
                refreshQueue();
              });
            }
            if (kept && kept.last_reason === "login") {
              formError.textContent = "登录已过期：检查结果已保存在本机，请重新登录后自动上传。";
            }
            submitting = false;
            lockQueued(item);
          });
        });
      }).catch(function () {
        submitting = false;
        submit.disabled = false;
        formError.textContent = "提交未成功，请重试（已填写的内容仍保存在本机）";
      });
    });

    Promise.all([Store.get("drafts", inspection), Store.all("outbox")]).then(function (found) {
      draft = found[0] || null;
      var pending = (found[1] || []).filter(function (i) { return String(i.inspection) === String(inspection); });
      if (!draft) {
        draft = { inspection: inspection, token: Store.uuid(), photos: [], fields: {}, checks: [], created_at: Date.now() };
      } else {
        restore(draft);
      }
      form.elements.submission_token.value = draft.token;
      var refused = pending.filter(function (i) { return i.state === "refused"; })[0];
      var waiting = pending.filter(function (i) { return i.state !== "refused"; })[0];
      if (refused) {
        Store.del("outbox", refused.token).then(function () { showErrors(refused.error); refreshQueue(); });
      } else if (waiting) {
        lockQueued(waiting);
      }
      toggleDepartment();
      countChecks();
      showPhotos();
    }).catch(function () {
      draft = { inspection: inspection, token: form.elements.submission_token.value, photos: [], fields: {}, checks: [] };
      if (draftLine) draftLine.textContent = "本机草稿不可用：请在提交前保持页面打开";
      toggleDepartment();
    });
  }

  // --- the co-inspector's confirmation: needs the network (nothing to queue: one click) -------------

  var confirmForm = $("[data-confirm-form]");
  if (confirmForm) {
    confirmForm.addEventListener("submit", function (event) {
      if (navigator.onLine) return;
      event.preventDefault();
      var error = $("[data-error-for=confirm_decision]", confirmForm);
      error.textContent = "当前没有网络，请联网后再提交确认意见（已选的意见不会丢失）";
    });
  }

  // --- on every page: a flash from the last page, retry what waits, show the queue ---------------------

  var flash = sessionStorage.getItem("xt-flash");
  if (flash) {
    sessionStorage.removeItem("xt-flash");
    var main = $(".m-main");
    var note = document.createElement("p");
    note.className = "m-msg m-msg--success";
    note.setAttribute("role", "alert");
    note.textContent = flash;
    main.insertBefore(note, main.firstChild);
  }
  if (!form) {
    // what waited on the phone has gone: show the server's state of the cases (the page may be old)
    window.XTAfterSend = function (summary) { if (summary.sent.length) window.location.reload(); };
  }
  Store.prune().catch(function () {});
  refreshQueue();
  if (navigator.onLine) flushNow().catch(function () {});  // retry what waits, on every page load
})();
