/** End-to-end tests of the stream tagger against the real local Kafka broker and schema registry. */
package io.tagclip.it;
