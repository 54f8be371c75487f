package dev.jitaccess.spring;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.asm.ClassReader;
import org.springframework.asm.ClassVisitor;
import org.springframework.asm.MethodVisitor;
import org.springframework.asm.Opcodes;
import org.springframework.asm.SpringAsmInfo;
import org.springframework.asm.Type;
import org.springframework.core.annotation.MergedAnnotations;
import org.springframework.core.annotation.MergedAnnotations.SearchStrategy;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * What a Spring AOP proxy of a class cannot intercept, found when the class is first offered to the advisor.
 *
 * <ul>
 *   <li>An annotated {@code private} or {@code static} method, or an annotated {@code final} one (a class-based
 *       proxy cannot override it, and calling it on the proxy runs it unchecked), is an error that names the
 *       method: the application does not start.
 *   <li>A method of the class that calls one of the class's own annotated methods on a reference of the class's
 *       type, {@code this.list()} in all likelihood, gets a warning: the call goes to the object itself, not
 *       through the proxy, and runs without a check. Found in the class files of the class and its superclasses
 *       (lambdas included); calls from nested, anonymous or other classes ({@code Outer.this.list()}), through
 *       reflection, or from classes whose bytes cannot be read are not found.
 * </ul>
 *
 * <p>Stateless; {@link AccessAttributeSource} runs it once per class.
 */
final class ProxyReach {

  private ProxyReach() {}

  /**
   * Checks {@code offered}, the class a proxy is to be made for.
   *
   * @return the warnings (self-invocations; a type-level annotation that meets a final method inherited from an
   *     unannotated class), each one sentence
   * @throws IllegalStateException naming every annotated method a proxy cannot intercept
   */
  static List<String> check(Class<?> offered, AccessAttributeSource attributes) {
    if (Proxy.isProxyClass(offered)) {
      return List.of(); // its own (final) methods hand the call to its handler; its interfaces are what counts
    }
    // A CGLIB subclass (a proxy, an enhanced configuration) adds only plumbing: the user's class is what counts.
    Class<?> type = ClassUtils.getUserClass(offered);
    List<String> errors = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    Map<String, Method> annotated = new LinkedHashMap<>(); // by name and descriptor
    ReflectionUtils.doWithMethods(type, method -> {
      int modifiers = method.getModifiers();
      if (Modifier.isStatic(modifiers) || Modifier.isPrivate(modifiers)) {
        if (ownAnnotation(method)) {
          errors.add(describe(method) + (Modifier.isStatic(modifiers) ? " (static)" : " (private)"));
        }
        return;
      }
      AccessAttribute attribute = attributes.get(method, type);
      if (attribute == null) {
        return;
      }
      if (Modifier.isFinal(modifiers)) {
        if (annotated(MergedAnnotations.from(method, SearchStrategy.TYPE_HIERARCHY))
            || annotated(MergedAnnotations.from(method.getDeclaringClass(), SearchStrategy.TYPE_HIERARCHY))) {
          errors.add(describe(method) + " (final)");
        } else {
          warnings.add("The type-level " + attribute.source() + " covers " + describe(method)
              + ", which is final: a class-based proxy cannot intercept it and it runs unchecked there");
        }
        return;
      }
      annotated.put(method.getName() + Type.getMethodDescriptor(method), method);
    }, method -> !method.isSynthetic() && !method.isBridge() && method.getDeclaringClass() != Object.class);
    for (Class<?> ifc : ClassUtils.getAllInterfacesForClassAsSet(type)) {
      for (Method method : ifc.getDeclaredMethods()) {
        int modifiers = method.getModifiers();
        if ((Modifier.isStatic(modifiers) || Modifier.isPrivate(modifiers)) && ownAnnotation(method)) {
          errors.add(describe(method) + (Modifier.isStatic(modifiers) ? " (static)" : " (private)"));
        }
      }
    }
    if (!errors.isEmpty()) {
      throw new IllegalStateException("@RequiresAccess and @ElevatedAccess are enforced by a proxy, which cannot"
          + " intercept these annotated methods: " + String.join(", ", errors) + ". They would run unchecked:"
          + " make each a non-final, non-private instance method, called through the bean");
    }
    if (!annotated.isEmpty()) {
      warnings.addAll(selfInvocations(type, annotated));
    }
    return warnings;
  }

  /** Declared on the method itself, directly or as a meta-annotation (private and static methods override none). */
  private static boolean ownAnnotation(Method method) {
    return annotated(MergedAnnotations.from(method, SearchStrategy.DIRECT));
  }

  private static boolean annotated(MergedAnnotations annotations) {
    return AccessAttributeSource.ANNOTATIONS.stream().anyMatch(annotations::isPresent);
  }

  private static String describe(Method method) {
    return method.getDeclaringClass().getName() + "." + method.getName() + "("
        + Arrays.stream(method.getParameterTypes()).map(Class::getSimpleName).collect(Collectors.joining(", "))
        + ")";
  }

  /** Calls, in instance methods of {@code type} and its superclasses, of its annotated methods on its own type. */
  private static List<String> selfInvocations(Class<?> type, Map<String, Method> annotated) {
    Set<String> owners = new LinkedHashSet<>();
    List<Class<?>> hierarchy = new ArrayList<>();
    for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
      owners.add(Type.getInternalName(c));
      hierarchy.add(c);
    }
    Set<String> found = new LinkedHashSet<>();
    for (Class<?> c : hierarchy) {
      byte[] bytes = classFile(c);
      if (bytes == null) {
        continue;
      }
      try {
        new ClassReader(bytes).accept(new ClassVisitor(SpringAsmInfo.ASM_VERSION) {
          @Override
          public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
              String[] exceptions) {
            if ((access & Opcodes.ACC_STATIC) != 0) {
              return null; // no this (a lambda that uses this is an instance method)
            }
            String caller = c.getName() + "." + callerName(name) + "()";
            return new MethodVisitor(SpringAsmInfo.ASM_VERSION) {
              @Override
              public void visitMethodInsn(int opcode, String owner, String calledName, String calledDescriptor,
                  boolean isInterface) {
                Method called = annotated.get(calledName + calledDescriptor);
                if (called != null && opcode != Opcodes.INVOKESTATIC && owners.contains(owner)) {
                  found.add(caller + " calls " + describe(called) + " on its own class, probably through this:"
                      + " such a call bypasses the proxy and runs without the access check; call it through the"
                      + " bean (inject it, or split the class)");
                }
              }
            };
          }
        }, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
      } catch (RuntimeException unreadable) {
        // A class file this ASM cannot parse (a newer version): nothing is found there, as documented.
      }
    }
    return new ArrayList<>(found);
  }

  /** {@code lambda$list$0} was written in {@code list}. */
  private static String callerName(String name) {
    if (name.startsWith("lambda$")) {
      int end = name.indexOf('$', "lambda$".length());
      return end < 0 ? name : name.substring("lambda$".length(), end);
    }
    return name;
  }

  private static byte[] classFile(Class<?> type) {
    ClassLoader loader = type.getClassLoader();
    if (loader == null) {
      return null;
    }
    try (InputStream in = loader.getResourceAsStream(ClassUtils.convertClassNameToResourcePath(type.getName())
        + ClassUtils.CLASS_FILE_SUFFIX)) {
      return in == null ? null : in.readAllBytes();
    } catch (IOException unreadable) {
      return null;
    }
  }
}
