/* udp-echo PORT: answer every UDP datagram on PORT with "echo:" and the
   datagram.  Built static by the network tests, to run in the busybox
   test image (whose busybox has no UDP tool).  */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int
main (int argc, char **argv)
{
  struct sockaddr_in a = { .sin_family = AF_INET };
  char buf[2048];
  int fd;

  if (argc != 2)
    return 2;
  a.sin_port = htons ((unsigned short)atoi (argv[1]));
  fd = socket (AF_INET, SOCK_DGRAM, 0);
  if (fd < 0 || bind (fd, (struct sockaddr *)&a, sizeof (a)) < 0)
    {
      perror ("udp-echo");
      return 1;
    }
  printf ("listening\n");
  fflush (stdout);
  for (;;)
    {
      struct sockaddr_in from;
      socklen_t len = sizeof (from);
      ssize_t n = recvfrom (fd, buf + 5, sizeof (buf) - 5, 0, (struct sockaddr *)&from, &len);
      if (n < 0)
        continue;
      memcpy (buf, "echo:", 5);
      sendto (fd, buf, (size_t)n + 5, 0, (struct sockaddr *)&from, len);
    }
}
