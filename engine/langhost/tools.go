//go:build tools

// Package tools pins the Python language host (pulumi-language-python) that
// scripts/install-pulumi builds next to the CLI.
//
// The host for 3.260 lives in its own module
// (github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3), which the
// Go module proxy refuses to serve (403 for every version). sdk/v3 v3.79.0 is the
// newest release whose module still contains python/cmd/pulumi-language-python
// (v3.80.0 dropped it), so the host is built from there. It is a separate module
// because it needs sdk/v3 v3.79.0 while the CLI needs sdk/v3 v3.260.0.
package tools

import _ "github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python"
