"""What participants download: the files a host attaches and the packaged smoke sample."""
