package solid

import (
	"bytes"
	"io"
	"net/http"
	"sync"
)

// cappedReader fails with ErrResponseTooLarge past its limit.
type cappedReader struct {
	r    io.Reader
	left int64
}

func (b *cappedReader) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// Past the cap: any further byte means the body is too large.
		var one [1]byte
		if n, _ := b.r.Read(one[:]); n > 0 {
			return 0, ErrResponseTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}

// bodyBufs recycles the buffers bodies are read into.
var bodyBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuf() *bytes.Buffer {
	b := bodyBufs.Get().(*bytes.Buffer)
	b.Reset()
	return b
}

func putBuf(b *bytes.Buffer) {
	if b.Cap() <= 64<<10 { // let rare big bodies go to the GC
		bodyBufs.Put(b)
	}
}

// heldBody is a success body already read, through the cap, into a pooled
// buffer; Close recycles the buffer.
type heldBody struct{ buf *bytes.Buffer }

func (b *heldBody) Read(p []byte) (int, error) {
	if b.buf == nil {
		return 0, io.EOF
	}
	return b.buf.Read(p)
}

// WriteTo lets io.Copy drain the buffer without another one in between.
func (b *heldBody) WriteTo(w io.Writer) (int64, error) {
	if b.buf == nil {
		return 0, nil
	}
	return b.buf.WriteTo(w)
}

func (b *heldBody) Close() error {
	if b.buf != nil {
		putBuf(b.buf)
		b.buf = nil
	}
	return nil
}

// hold reads resp's body through a cap of limit bytes and replaces it with
// the bytes read. The connection goes back to the pool at once, and a
// connection cut mid-body fails the attempt that read it.
func hold(resp *http.Response, limit int64) (*http.Response, error) {
	buf := getBuf()
	_, err := buf.ReadFrom(&cappedReader{r: resp.Body, left: limit})
	resp.Body.Close()
	if err != nil {
		putBuf(buf)
		return nil, err
	}
	resp.Body = &heldBody{buf: buf}
	return resp, nil
}
