// 迁移案件: a header checkbox selects every row checkbox of its group (data-select-all / data-select).
document.addEventListener("change", (event) => {
  const group = event.target.dataset && event.target.dataset.selectAll;
  if (!group) return;
  document.querySelectorAll(`input[data-select="${group}"]:not(:disabled)`).forEach((box) => {
    box.checked = event.target.checked;
  });
});
