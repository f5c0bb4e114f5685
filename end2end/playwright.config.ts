import { defineConfig } from '@playwright/test';

// The server is started by run.sh on a free port with a fresh database and an
// admin made from OBSERV_E2E_ADMIN_*; it passes the address in OBSERV_BASE_URL.
// The `setup` project signs that admin in through the login form and saves the
// session; every other test starts signed in with it (the pages and the
// `request` fixture alike). Chromium is Debian's (never downloaded).
const chromium = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};

export const ADMIN_STATE = '.auth/admin.json';

export default defineConfig({
  testDir: './tests',
  // Every wait is for a state (a locator, an event), never for a time. The limits
  // are generous because a cold or busy machine is slow to fetch and compile the
  // debug bundle's page chunks (one per page, a few hundred modules each).
  timeout: 120_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: process.env.OBSERV_BASE_URL ?? 'http://127.0.0.1:3000',
    trace: 'off',
    launchOptions: chromium,
  },
  projects: [
    { name: 'setup', testMatch: /auth\.setup\.ts/ },
    {
      name: 'chromium',
      testMatch: /.*\.spec\.ts/,
      dependencies: ['setup'],
      use: { storageState: ADMIN_STATE },
    },
  ],
});
