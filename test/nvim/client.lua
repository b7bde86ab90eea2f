-- Headless Neovim 0.7 as an LSP client of dist/server.js (TESTBEDS.md §2).
-- Reads its job from the JSON file named by $EXT4WP_NVIM_JOB:
--   { cmd = {...}, file = "...", root = "...", settings = {...}, wanted = {hunk lines}, wait = ms }
-- The hover is asked on the line after the first lock-change warning on a `wanted` hunk.
-- Then, on that hunk: its trace lens's command through workspace/executeCommand, the
-- scenarios lens through Neovim's own `vim.lsp.codelens.run()`, and the "Go to the
-- deciding line" code action through `vim.lsp.buf.code_action()` (vim.ui.select answers
-- with the wanted item, as a user would pick it). Prints one JSON object on stdout:
-- diagnostics, the hover text, lenses, command results, messages, statuses, errors.
local job = vim.fn.json_decode(table.concat(vim.fn.readfile(os.getenv('EXT4WP_NVIM_JOB')), '\n'))
local out = { diagnostics = {}, statuses = {}, errors = {}, messages = {}, lens_commands = {}, action_titles = {} }

-- The item vim.ui.select picks: the first whose text matches `pick` (a Lua pattern).
local pick = nil
vim.ui.select = function(items, opts, on_choice)
  local chosen = nil
  for i, item in ipairs(items) do
    local text = opts.format_item and opts.format_item(item) or tostring(item)
    table.insert(out.action_titles, text)
    if pick and not chosen and text:find(pick) then chosen = i end
  end
  if chosen then on_choice(items[chosen], chosen) else on_choice(nil, nil) end
end

local function message_like(pattern)
  for _, m in ipairs(out.messages) do
    if m.message:find(pattern) then return m end
  end
  return nil
end

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
      ['window/showMessage'] = function(_, result)
        if result.type == 1 then table.insert(out.errors, result.message) end
        table.insert(out.messages, { type = result.type, message = result.message })
      end,
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
  local trace_lens = nil
  for _, r in pairs(lenses or {}) do
    out.lenses = out.lenses + #(r.result or {})
    for _, l in ipairs(r.result or {}) do
      out.lens_commands[l.command.command] = true
      if hover_line and l.range.start.line == hover_line - 1 and not trace_lens then trace_lens = l end
    end
  end
  local client = vim.lsp.get_client_by_id(client_id)
  out.server_commands = (client.server_capabilities.executeCommandProvider or {}).commands or {}

  -- 1. The hunk's first lens (its summary: the trace), executed as any client can.
  if trace_lens then
    local res = client.request_sync('workspace/executeCommand', trace_lens.command, job.wait, buf)
    if res and res.err then table.insert(out.errors, vim.inspect(res.err)) end
    out.exec = res and res.result
  end

  if hover_line then
    -- 2. Neovim's own lens UI on the @@ line: refresh, then run the "scenarios" lens.
    vim.api.nvim_win_set_cursor(0, { hover_line, 0 })
    vim.lsp.codelens.refresh()
    vim.wait(job.wait, function() return #vim.lsp.codelens.get(buf) > 0 end, 50)
    pick = '^scenarios$'
    vim.lsp.codelens.run()
    out.lens_message = message_like('^ext4 write path: scenarios of ')
      or (vim.wait(job.wait, function() return message_like('^ext4 write path: scenarios of ') ~= nil end, 50) and message_like('^ext4 write path: scenarios of '))
      or nil

    -- 3. The code actions of the diagnostics on the @@ line: "Go to the deciding line".
    pick = '^Go to the deciding line'
    vim.lsp.buf.code_action()
    vim.wait(job.wait, function() return message_like('^ext4 write path: deciding line ') ~= nil end, 50)
    out.goto_message = message_like('^ext4 write path: deciding line ')
  end

  vim.lsp.stop_client(client_id)
  vim.wait(5000, function() return vim.lsp.get_client_by_id(client_id) == nil end, 50)
end)
if not ok then table.insert(out.errors, tostring(err)) end
finish()
