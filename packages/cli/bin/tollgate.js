#!/usr/bin/env node
// Stable entry for the `tollgate` bin: exists before the build so npm links it on install.
import "../dist/bin.js";
