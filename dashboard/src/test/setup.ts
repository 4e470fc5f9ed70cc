import "@testing-library/jest-dom/vitest";
import { cleanup, configure } from "@testing-library/react";
import { afterEach } from "vitest";

// The machine is shared and slow at times: wait up to 5 s for what a test expects to appear.
configure({ asyncUtilTimeout: 5000 });

afterEach(() => {
  cleanup();
  window.localStorage.clear();
  document.cookie = "micropay_csrf=; max-age=0; path=/";
});
