-- Headless Neovim 0.7 as an LSP client of dist/server.js (TESTBEDS.md §2).
-- Reads its job from the JSON file named by $EXT4WP_NVIM_JOB:
--   { cmd = {...}, file = "...", root = "...", settings = {...}, wanted = {hunk lines}, wait = ms }
-- The hover is asked on the line after the first lock-change warning on a `wanted` hunk.
-- and prints one JSON object on stdout: diagnostics, the hover text, statuses, errors.
local job = vim.fn.json_decode(table.concat(vim.fn.readfile(os.getenv('EXT4WP_NVIM_JOB')), '\n'))
local out = { diagnostics = {}, statuses = {}, errors = {} }

local function finish()
  io.stdout:write(vim.fn.json_encode(out) .. '\n')
  vim.cmd('qall!')
end

local ok, err = pcall(function()
  vim.cmd('edit ' .. vim.fn.fnameescape(job.file))
  local buf = vim.api.nvim_get_current_buf()
  local client_id = vim.lsp.start_client({
    name = 'ext4-write-path',
    cmd = job.cmd,
    root_dir = job.root,
    -- The server reads both: init_options at start, `settings` to answer workspace/configuration.
    init_options = job.settings,
    settings = { ext4WritePath = job.settings },
    handlers = {
      ['ext4WritePath/status'] = function(_, result) table.insert(out.statuses, result) end,
      ['window/showMessage'] = function(_, result) table.insert(out.errors, result.message) end,
    },
  })
  if not client_id then error('start_client failed') end
  vim.lsp.buf_attach_client(buf, client_id)

  -- Push diagnostics (0.7 has no pull): wait until the lock-change warnings are there.
  local function has_lock_change()
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      if d.code == 'lock-change' then return true end
    end
    return false
  end
  out.waited = vim.wait(job.wait, has_lock_change, 50)
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(out.diagnostics, { lnum = d.lnum, end_lnum = d.end_lnum, severity = d.severity, code = d.code, source = d.source, message = d.message })
  end

  local hover_line = nil
  for _, d in ipairs(out.diagnostics) do
    if d.code == 'lock-change' and not hover_line and vim.tbl_contains(job.wanted, d.lnum) then hover_line = d.lnum + 1 end
  end
  out.hover_line = hover_line
  local params = { textDocument = vim.lsp.util.make_text_document_params(buf), position = { line = hover_line or 0, character = 0 } }
  local res, herr = vim.lsp.buf_request_sync(buf, 'textDocument/hover', params, job.wait)
  if herr then table.insert(out.errors, tostring(herr)) end
  for _, r in pairs(res or {}) do
    if r.error then table.insert(out.errors, vim.inspect(r.error)) end
    if r.result and r.result.contents then out.hover = r.result.contents.value or r.result.contents end
  end

  local lenses = vim.lsp.buf_request_sync(buf, 'textDocument/codeLens', { textDocument = params.textDocument }, job.wait)
  out.lenses = 0
  for _, r in pairs(lenses or {}) do out.lenses = out.lenses + #(r.result or {}) end

  vim.lsp.stop_client(client_id)
  vim.wait(5000, function() return vim.lsp.get_client_by_id(client_id) == nil end, 50)
end)
if not ok then table.insert(out.errors, tostring(err)) end
finish()
