// Copyright (c) 2026 Cloudflare, Inc.
// Licensed under the Apache 2.0 license found in the LICENSE file or at:
//     https://opensource.org/licenses/Apache-2.0

export const PyodideVersion = {
  V0_26_0a2: '0.26.0a2',
  V0_28_2: '0.28.2',
} as const;
