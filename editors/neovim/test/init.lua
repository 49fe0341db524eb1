-- The whole user configuration of the end-to-end test: what the README tells
-- a user to write. HTTPVET_NVIM_RTP is the editors/neovim directory.
vim.opt.runtimepath:prepend(vim.env.HTTPVET_NVIM_RTP)
vim.lsp.enable('httpvet')
