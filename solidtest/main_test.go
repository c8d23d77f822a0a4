package solidtest

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves goroutines behind: Close
// must stop everything a Server started.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
