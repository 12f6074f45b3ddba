/* 移动监管执法 — what the phone keeps (IndexedDB) and the upload queue, shared by the pages and the
 * service worker (importScripts).  Plain JS, no library.
 *
 * Stores: drafts (inspection id -> the unfinished result: fields, ticked checklist, downscaled photo
 * blobs, its submission token), outbox (submission token -> a result waiting to be sent), sent
 * (recently sent, for the list page), meta (the CSRF token and user of the last page served).
 *
 * A queued result is sent with its submission_token and each photo with its client_token, so a
 * re-send (the phone never heard the answer) is answered "duplicate" and enters nothing twice.
 */
(function (root) {
  "use strict";

  var DB_NAME = "xt-inspection";
  var DB_VERSION = 1;
  var STORES = ["drafts", "outbox", "sent", "meta"];
  var dbPromise = null;

  function open() {
    if (dbPromise) return dbPromise;
    dbPromise = new Promise(function (resolve, reject) {
      var request = root.indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = function () {
        var db = request.result;
        STORES.forEach(function (name) {
          if (!db.objectStoreNames.contains(name)) db.createObjectStore(name);
        });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { dbPromise = null; reject(request.error); };
    });
    return dbPromise;
  }

  function run(store, mode, action) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(store, mode);
        var request = action(tx.objectStore(store));
        tx.oncomplete = function () { resolve(request ? request.result : undefined); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  function get(store, key) { return run(store, "readonly", function (s) { return s.get(String(key)); }); }
  function put(store, key, value) { return run(store, "readwrite", function (s) { return s.put(value, String(key)); }); }
  function del(store, key) { return run(store, "readwrite", function (s) { return s.delete(String(key)); }); }
  function all(store) { return run(store, "readonly", function (s) { return s.getAll(); }); }

  function uuid() {
    if (root.crypto && root.crypto.randomUUID) return root.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    root.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function body(item) {
    var form = new FormData();
    form.append("submission_token", item.token);
    Object.keys(item.fields || {}).forEach(function (name) { form.append(name, item.fields[name]); });
    (item.photos || []).forEach(function (photo, index) {
      form.append("photo", photo.blob, photo.name || "photo-" + (index + 1) + ".jpg");
      form.append("photo_token", photo.token);
    });
    return form;
  }

  /* Send one queued result: "sent" | "refused" (the server said no; the error is kept) | "wait". */
  function send(item, meta) {
    return fetch(item.api, {
      method: "POST",
      body: body(item),
      credentials: "same-origin",
      headers: { "X-CSRFToken": (meta && meta.csrf) || "", "X-Requested-With": "XMLHttpRequest", Accept: "application/json" },
      redirect: "manual",
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("json") >= 0;
      var answer = json ? response.json() : Promise.resolve(null);
      return answer.then(function (data) {
        if (response.ok) return { state: "sent", data: data };
        if (response.status === 401 || !json || !data || !data.error) {
          // not logged in, a CSRF refusal, a proxy page: keep it for later
          return { state: "wait", reason: response.status === 401 ? "login" : "auth" };
        }
        if (response.status >= 500) return { state: "wait", reason: "server" };
        return { state: "refused", error: data.error };
      });
    }, function () {
      return { state: "wait", reason: "network" };
    });
  }

  function flushAll() {
    return Promise.all([all("outbox"), get("meta", "session")]).then(function (found) {
      var items = found[0] || [];
      var meta = found[1] || {};
      var summary = { sent: [], inspections: [], refused: [], waiting: 0 };
      var chain = Promise.resolve();
      items.forEach(function (item) {
        if (item.state === "refused") return;
        if (meta.user && item.user && meta.user !== item.user) { summary.waiting += 1; return; }
        chain = chain.then(function () {
          return send(item, meta).then(function (outcome) {
            if (outcome.state === "sent") {
              summary.sent.push(item.token);
              summary.inspections.push(String(item.inspection));
              return del("outbox", item.token)
                .then(function () {
                  return put("sent", item.token, {
                    token: item.token, inspection: item.inspection, enterprise: item.enterprise,
                    outcome: outcome.data && outcome.data.outcome, state_label: outcome.data && outcome.data.inspection && outcome.data.inspection.state_label,
                    sent_at: Date.now(), waited: Boolean(item.offline || item.tries),
                  });
                })
                .then(function () { return get("drafts", item.inspection); })
                .then(function (draft) { if (draft && draft.token === item.token) return del("drafts", item.inspection); });
            }
            if (outcome.state === "refused") {
              summary.refused.push(item.token);
              item.state = "refused";
              item.error = outcome.error;
              return put("outbox", item.token, item);
            }
            summary.waiting += 1;
            item.tries = (item.tries || 0) + 1;
            item.last_reason = outcome.reason;
            return put("outbox", item.token, item);
          });
        });
      });
      return chain.then(function () { return summary; });
    });
  }

  /* One flush at a time across the pages and the service worker (Web Locks where there are). */
  function flush() {
    if (root.navigator && root.navigator.locks && root.navigator.locks.request) {
      return root.navigator.locks.request("xt-inspection-outbox", flushAll);
    }
    return flushAll();
  }

  function prune() {
    // sent entries are kept a day for the list page's "已上传" line
    var day = 24 * 3600 * 1000;
    return all("sent").then(function (items) {
      return Promise.all((items || []).filter(function (s) { return Date.now() - s.sent_at > day; })
        .map(function (s) { return del("sent", s.token); }));
    });
  }

  root.XTStore = { open: open, get: get, put: put, del: del, all: all, uuid: uuid, flush: flush, prune: prune, SYNC_TAG: "xt-results" };
})(typeof self !== "undefined" ? self : this);
