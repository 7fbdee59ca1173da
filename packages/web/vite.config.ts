import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The app imports @infrapilot/client and @infrapilot/protocol from their TypeScript
// sources (the "@infrapilot/source" condition), so it never waits on their builds.
export default defineConfig({
  plugins: [react(), tailwindcss()],
  resolve: { conditions: ['@infrapilot/source', 'browser', 'module', 'import', 'default'] },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1500 },
  server: {
    // `npm run dev -w @infrapilot/web` next to a running server: API and live socket go to it.
    proxy: {
      '/api': 'http://127.0.0.1:8080',
      '/ws': { target: 'ws://127.0.0.1:8080', ws: true },
    },
  },
});
