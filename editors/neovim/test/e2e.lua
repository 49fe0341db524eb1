-- Headless end-to-end test, run after init.lua by
--   nvim --headless -u test/init.lua -l test/e2e.lua FILE.go LINE
-- Opens FILE.go, waits for httpvet's diagnostic on LINE (1-based), applies
-- the preferred code action there the way a user does (vim.lsp.buf.code_action
-- with apply = true), and checks that the buffer changed and the diagnostic
-- went away. Prints "N passed, N failed"; exits 1 on failure.
local file, line = arg[1], tonumber(arg[2])
local passed, failed = 0, 0
local function check(name, ok, detail)
  if ok then
    passed = passed + 1
    print('ok   ' .. name)
  else
    failed = failed + 1
    print('FAIL ' .. name .. (detail and (': ' .. detail) or ''))
  end
end

local function httpvet_diags(buf)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.source == 'httpvet' then
      table.insert(out, d)
    end
  end
  return out
end

vim.cmd.edit(vim.fn.fnameescape(file))
local buf = vim.api.nvim_get_current_buf()
check('filetype is go', vim.bo[buf].filetype == 'go', vim.bo[buf].filetype)

local attached = vim.wait(10000, function()
  return #vim.lsp.get_clients({ bufnr = buf, name = 'httpvet' }) > 0
end, 20)
check('httpvet attaches to the Go buffer', attached)

local found = vim.wait(10000, function()
  for _, d in ipairs(httpvet_diags(buf)) do
    if d.lnum == line - 1 then
      return true
    end
  end
  return false
end, 20)
local diags = httpvet_diags(buf)
check('the diagnostic is shown on line ' .. line, found, vim.inspect(diags))

local before = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n')
local target = diags[1]
if target then
  vim.api.nvim_win_set_cursor(0, { target.lnum + 1, target.col })
  vim.lsp.buf.code_action({
    apply = true,
    filter = function(action)
      return action.isPreferred == true
    end,
  })
end
local changed = vim.wait(10000, function()
  return table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n') ~= before
end, 20)
check('the code action changes the buffer', changed)

local gone = vim.wait(10000, function()
  return #httpvet_diags(buf) == 0
end, 20)
check('the diagnostic goes away', gone, vim.inspect(httpvet_diags(buf)))

print(string.format('%d passed, %d failed', passed, failed))
io.stdout:flush()
os.exit(failed == 0 and 0 or 1)
