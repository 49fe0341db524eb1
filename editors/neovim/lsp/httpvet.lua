-- httpvet for Neovim 0.11+: put this directory on 'runtimepath' (or copy this
-- file to ~/.config/nvim/lsp/httpvet.lua) and call vim.lsp.enable('httpvet').
-- It runs beside gopls; both attach to Go buffers.
---@type vim.lsp.Config
return {
  cmd = { 'httpvet', 'lsp' },
  filetypes = { 'go' },
  -- A go.work wins over the go.mod of one of its modules; .git otherwise.
  root_markers = { 'go.work', 'go.mod', '.git' },
  -- Same keys as httpvet.toml; these override the file.
  -- init_options = { select = { 'HV001', 'HV007' }, ignore = { 'HV004' }, severity = { HV007 = 'error' } },
  init_options = vim.empty_dict(),
}
