package dev.bypass.bench.store;

import com.sun.tools.attach.VirtualMachine;
import java.lang.management.ManagementFactory;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * Prints the bytes a running JVM has allocated on the heap so far, over all its threads (the Threading MBean's
 * {@code TotalThreadAllocatedBytes}), read through the Attach API: works on any server build, without its help.
 * Usage: {@code java -cp benchmarks.jar dev.bypass.bench.store.AllocationProbe PID}.
 */
public final class AllocationProbe {
    public static void main(String[] args) throws Exception {
        VirtualMachine vm = VirtualMachine.attach(args[0]);
        try {
            String url = vm.startLocalManagementAgent();
            try (JMXConnector c = JMXConnectorFactory.connect(new JMXServiceURL(url))) {
                MBeanServerConnection m = c.getMBeanServerConnection();
                Object v = m.getAttribute(new ObjectName(ManagementFactory.THREAD_MXBEAN_NAME), "TotalThreadAllocatedBytes");
                System.out.println(v);
            }
        } finally {
            vm.detach();
        }
    }
}
