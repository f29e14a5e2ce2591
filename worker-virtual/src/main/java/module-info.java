/** The {@code virtual} worker model: one virtual thread per connection. */
module io.corral.worker.virtual {
    requires io.corral;
    requires org.slf4j;
}
