// 迁移案件: a header checkbox selects every row checkbox of its group (data-select-all / data-select).
document.addEventListener("change", (event) => {
  const group = event.target.dataset && event.target.dataset.selectAll;
  if (!group) return;
  document.querySelectorAll(`input[data-select="${group}"]:not(:disabled)`).forEach((box) => {
    box.checked = event.target.checked;
  });
});

// 批量迁移: while the batch is queued or running its page reloads itself every few seconds.
(function refreshLiveBatch() {
  if (window.xtBatchRefresh) clearTimeout(window.xtBatchRefresh);
  const live = document.querySelector("[data-batch-live]");
  if (!live) return;
  window.xtBatchRefresh = setTimeout(() => {
    if (document.querySelector("[data-batch-live]")) window.location.reload();
  }, 2000);
})();
