package solid_test

import (
	"bytes"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

// suiteLogs receives the log records of every client the tests build with
// newTestClient, so TestMain can prove no secret was ever logged.
var suiteLogs struct {
	sync.Mutex
	buf bytes.Buffer
}

type lockedWriter struct{}

func (lockedWriter) Write(p []byte) (int, error) {
	suiteLogs.Lock()
	defer suiteLogs.Unlock()
	return suiteLogs.buf.Write(p)
}

var suiteLogger = slog.New(slog.NewJSONHandler(lockedWriter{}, &slog.HandlerOptions{Level: slog.LevelDebug}))

// pinTokenShape matches any PIN token, whatever server minted it.
var pinTokenShape = regexp.MustCompile(`card_pin_[A-Za-z0-9_]+`)

func TestMain(m *testing.M) {
	code := m.Run()
	suiteLogs.Lock()
	logs := suiteLogs.buf.String()
	suiteLogs.Unlock()
	switch {
	case code != 0:
	case len(logs) == 0 && flag.Lookup("test.fuzz").Value.String() == "" && flag.Lookup("test.run").Value.String() == "":
		fmt.Println("FAIL: no log records were captured; the leak check saw nothing")
		code = 1
	case bytes.Contains([]byte(logs), []byte(testKey)):
		fmt.Println("FAIL: the API key appears in the SDK's logs")
		code = 1
	case pinTokenShape.MatchString(logs):
		fmt.Println("FAIL: a PIN token appears in the SDK's logs:", pinTokenShape.FindString(logs))
		code = 1
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Println("FAIL: goroutines leaked:", err)
			code = 1
		}
	}
	os.Exit(code)
}
